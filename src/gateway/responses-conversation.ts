/**
 * Server-side conversation state for OpenAI Responses clients served by upstreams that keep none (Anthropic, Chat,
 * Gemini). OpenAI keeps every response whose request did not say `store: false`, and clients rely on it: a
 * follow-up names the previous response (`previous_response_id`) instead of sending the conversation again, and the
 * Vercel AI SDK sends earlier output items back as `item_reference {id}`. The gateway keeps what it answered itself
 * (src/state/response-store.ts) and puts the kept items back into the request before it is routed, so every
 * upstream, an OpenAI one included, gets the whole conversation. What it did not keep is left as sent: an OpenAI
 * Responses upstream resolves its own ids; any other refuses them (a 404 for `previous_response_id`).
 */
import type { CanonicalRequest } from "../canonical/model.ts";
import type { EncodeContext } from "../dialects/types.ts";
import type { ResponseStore } from "../state/response-store.ts";
import type { JsonBody } from "./read-json-body.ts";

/** One Responses request's access to the kept responses: those of the gateway key that sent it. */
export interface ResponsesSession {
  store: ResponseStore;
  /** The gateway key's id. */
  owner: string;
  clock: () => number;
}

type Json = Record<string, unknown>;

const isItemReference = (it: unknown) => typeof it === "object" && it !== null && (it as Json).type === "item_reference";

/** `input` as a list of items (a string is one user message). */
const inputItems = (input: unknown): unknown[] =>
  typeof input === "string" ? [{ type: "message", role: "user", content: input }] : Array.isArray(input) ? input : [];

/**
 * The request with what the gateway kept put back in: the previous response's conversation before the input, and
 * each `item_reference` it knows replaced by the item. The body is returned as it came when there is nothing to do
 * (the common case costs one scan of `input` for references).
 */
export async function resolveKeptConversation(session: ResponsesSession, body: JsonBody): Promise<JsonBody> {
  const { json } = body;
  const previous = typeof json.previous_response_id === "string" ? json.previous_response_id : undefined;
  const hasRefs = Array.isArray(json.input) && json.input.some(isItemReference);
  if (previous === undefined && !hasRefs) return body;

  let changed = false;
  let items = inputItems(json.input);
  if (hasRefs) {
    items = await Promise.all(
      items.map(async (it) => {
        if (!isItemReference(it) || typeof (it as Json).id !== "string") return it;
        const kept = await session.store.item(session.owner, (it as Json).id as string);
        if (kept === undefined) return it;
        changed = true;
        return kept;
      }),
    );
  }
  const out: Json = { ...json };
  if (previous !== undefined) {
    const record = await session.store.get(session.owner, previous);
    if (record) {
      items = [...(JSON.parse(record.items) as unknown[]), ...items];
      delete out.previous_response_id;
      changed = true;
    }
  }
  if (!changed) return body;
  out.input = items;
  return { json: out, text: JSON.stringify(out) };
}

const LEADING_ID = /^\{"id":("(?:[^"\\]|\\.)*")/;
/** The `id` of an object serialised with `id` as its first key (the Responses encoders write them so). */
const leadingId = (json: string): string | undefined => {
  const m = LEADING_ID.exec(json);
  return m ? (JSON.parse(m[1]!) as string) : undefined;
};

/**
 * What a converted answer for a Responses client needs beyond the model: its decoded request (the answer repeats
 * its settings and names its tools back) and, unless it said `store: false`, the callback that keeps the answer.
 * Made in a plain function: the callback lives as long as a stream and holds only the conversation's text.
 */
export function responsesEncodeContext(
  request: CanonicalRequest,
  json: Json,
  session: ResponsesSession | undefined,
): Pick<EncodeContext, "request" | "keep"> {
  if (!session || json.store === false) return { request };
  const { store, owner, clock } = session;
  const before = JSON.stringify(inputItems(json.input)).slice(1, -1);
  return {
    request,
    keep(response, items) {
      const id = leadingId(response);
      if (id === undefined) return;
      const itemIds = items.map(leadingId).filter((x): x is string => x !== undefined);
      const all = `[${before}${before && items.length ? "," : ""}${items.join(",")}]`;
      // The in-memory store cannot fail; a shared one that does costs only this response's follow-ups.
      store.put({ id, owner, createdAt: clock(), response, items: all, itemIds }).catch(() => {});
    },
  };
}
