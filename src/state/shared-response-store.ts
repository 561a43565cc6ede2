import type { Cipher } from "../config/secrets.ts";
import type { ResponseStore, StoredResponse } from "./response-store.ts";
import type { SharedBackend } from "./shared-backend.ts";

/** Records larger than this (characters of JSON) stay in the process that made them. */
export const SHARED_RESPONSE_MAX_CHARS = 4 * 1024 * 1024;

/**
 * The Responses answers the gateway keeps, shared between gateway processes: a follow-up (`previous_response_id`,
 * an `item_reference`) or a `GET`/`DELETE /v1/responses/{id}` may reach any instance or worker. Each record is kept
 * under `resp:<id>`, sealed with the master key (conversations are the users'), for the same time to live as in
 * memory; `resp-item:<item id>` points an output item at its response. While the shared store is away, records go to
 * this process's own store and are found there (only there) afterwards too. Look-ups ask the shared store first.
 */
export function createSharedResponseStore(deps: {
  backend: SharedBackend;
  local: ResponseStore;
  cipher: () => Cipher;
  ttlMs: number;
}): ResponseStore {
  const { backend, local, ttlMs } = deps;

  const shared = async (owner: string, id: string): Promise<StoredResponse | undefined> => {
    const sealed = await backend.get(`resp:${id}`);
    if (sealed === null) return undefined;
    const record = JSON.parse(deps.cipher().decrypt(sealed, "a kept response")) as StoredResponse;
    return record.owner === owner ? record : undefined;
  };

  const find = async (owner: string, id: string): Promise<StoredResponse | undefined> => {
    if (backend.up) {
      try {
        const r = await shared(owner, id);
        if (r) return r;
      } catch {
        // the store failed, or the record does not open with this master key: this process's own
      }
    }
    return local.get(owner, id);
  };

  return {
    async put(record) {
      const size = record.response.length + record.items.length;
      if (!backend.up || size > SHARED_RESPONSE_MAX_CHARS) return local.put(record);
      try {
        const sealed = deps.cipher().encrypt(JSON.stringify(record));
        await Promise.all([
          backend.set(`resp:${record.id}`, sealed, ttlMs),
          ...record.itemIds.map((itemId) => backend.set(`resp-item:${itemId}`, record.id, ttlMs)),
        ]);
      } catch {
        await local.put(record);
      }
    },
    get: find,
    async item(owner, itemId) {
      if (backend.up) {
        try {
          const id = await backend.get(`resp-item:${itemId}`);
          const record = id === null ? undefined : await shared(owner, id);
          if (record) return (JSON.parse(record.items) as { id?: unknown }[]).findLast((it) => it?.id === itemId);
        } catch {
          // local
        }
      }
      return local.item(owner, itemId);
    },
    async delete(owner, id) {
      let deleted = false;
      if (backend.up) {
        try {
          if (await shared(owner, id)) {
            await backend.del(`resp:${id}`);
            deleted = true;
          }
        } catch {
          // local
        }
      }
      return (await local.delete(owner, id)) || deleted;
    },
  };
}
