import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import YAML from "yaml";
import { mergeConfig, sameConfigValue } from "../config/merge-config.ts";
import { sharedBasePath } from "../config/paths.ts";
import type { Config } from "../config/schema.ts";
import { parseConfigText, type ConfigStore } from "../config/store.ts";
import type { Logger } from "../server/logger.ts";
import type { SharedBackend, SharedDoc, SharedDocHead } from "../state/shared-backend.ts";
import type { EventBus } from "./event-bus.ts";

/** The shared configuration's key; it expires a week after the last instance touched it (each does hourly). */
const DOC = "config";
const DOC_TTL_MS = 7 * 86_400_000;
const TOUCH_MS = 3600_000;
/** Attempts of one sync when other instances keep writing in between (each retry merges their newer version). */
const ATTEMPTS = 5;

export interface ConfigSync {
  /** Brings the file in line with the shared version (waiting at most `waitMs` for the store): before serving. */
  start(waitMs: number): Promise<void>;
  /** Looks at the file now (after this process wrote it: the admin API), instead of at the next poll. */
  check(): void;
  /**
   * Shares the file's changes and applies newer shared ones, now; resolves when done (or at once while the store is
   * away). The OAuth refresh calls it under its lock: after saving rotated tokens, and before reading them.
   */
  sync(): Promise<void>;
  /** Called each time a version from elsewhere (or a merge) was written to the file: apply it (LiveConfig.reload). */
  onApplied(listener: () => void): void;
  stop(): void;
}

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");

interface Local {
  text: string;
  hash: string;
  doc: unknown;
}

/**
 * The configuration shared by gateway instances on several machines (cluster mode). The shared store holds the
 * authoritative document: the config file's text (secrets stay sealed: every instance needs the same master key) with
 * an epoch and a version, written only by compare-and-set. Each instance keeps its own file too, so it starts and
 * serves with the last configuration it knew when the store is away, and a restart loses nothing.
 *
 * - A change here (CLI on this machine, admin API or UI, a rotated OAuth token) is noticed by the file's
 *   fingerprint (polled every 250 ms) and written as the next version, then announced on the events channel.
 * - A newer version (announced, or seen by a poll every second, or found after a reconnection) is written to the
 *   file as it is and applied at once (LiveConfig.reload); one whose secrets this instance cannot open is refused
 *   and logged.
 * - Both changed since the version this machine last agreed on (kept beside the file, `<file>.shared.json`): a
 *   three-way merge (src/config/merge-config.ts), field by field and item by item, this side winning where both
 *   changed the same value; the result is written as the next version and to the file.
 * - A store emptied (a Redis restarted without persistence) gets the file again from the first instance that
 *   notices, as a new epoch; the others merge against what they last agreed on.
 * - An instance that joins without having agreed on anything takes the shared version, keeping keys, accounts and
 *   routes only its own file has.
 */
export function createConfigSync(deps: {
  backend: SharedBackend;
  bus: EventBus;
  store: Pick<ConfigStore, "path" | "readText" | "replaceText" | "fingerprint">;
  /** Throws when this process cannot run a configuration (its sealed values do not open with this master key). */
  verify(config: Config): void;
  /** Resolves once the store answers, or after `ms` (false). */
  ready(ms: number): Promise<boolean>;
  log: Logger;
  watchMs?: number;
  pollMs?: number;
}): ConfigSync {
  const { backend, bus, store, log } = deps;
  const basePath = sharedBasePath(store.path);
  let base: SharedDoc | undefined = loadBase(basePath);
  let fingerprint = store.fingerprint();
  let touchedAt = 0;
  const refused = new Set<string>();
  const timers: ReturnType<typeof setInterval>[] = [];
  const appliedListeners: (() => void)[] = [];
  const applied = () => {
    for (const l of appliedListeners) l();
  };

  const setBase = (doc: SharedDoc) => {
    base = doc;
    saveBase(basePath, doc);
  };

  const readLocal = (): Local | undefined => {
    try {
      const text = store.readText();
      parseConfigText(text, store.path);
      return { text, hash: sha256(text), doc: YAML.parse(text) };
    } catch {
      // A file being edited by hand that does not parse is not shared (the running server says so, once).
      return undefined;
    }
  };

  /** Writes `text` as the version after `expected`; false when another instance wrote first. */
  const write = async (expected: SharedDocHead | null, text: string, hash: string, alsoToFile: boolean): Promise<boolean> => {
    const r = await backend.writeDoc(DOC, expected && { epoch: expected.epoch, version: expected.version }, text, hash, DOC_TTL_MS);
    if (!r.written || !r.head) return false;
    if (alsoToFile) {
      store.replaceText(text);
      fingerprint = store.fingerprint();
      applied();
    }
    setBase({ ...r.head, text });
    touchedAt = Date.now();
    bus.send("config", r.head);
    log.log("info", "configuration shared with the other instances", { version: r.head.version });
    return true;
  };

  /** Takes the shared version into the file and the running configuration. */
  const take = (remote: SharedDoc) => {
    try {
      deps.verify(parseConfigText(remote.text, "the shared configuration"));
    } catch (e) {
      const id = `${remote.epoch}:${remote.version}`;
      if (!refused.has(id)) {
        refused.add(id);
        log.log("error", "the shared configuration was not applied: keeping this instance's configuration", {
          version: remote.version,
          error: (e as Error).message,
          hint: "every instance needs the same master key (LLM_GATEWAY_MASTER_KEY)",
        });
      }
      return;
    }
    store.replaceText(remote.text);
    fingerprint = store.fingerprint();
    setBase(remote);
    applied();
    log.log("info", "configuration changed by another instance applied", { version: remote.version });
  };

  async function syncOnce(): Promise<void> {
    for (let i = 0; i < ATTEMPTS && backend.up; i++) {
      const local = readLocal();
      if (!local) return;
      const remote = await backend.readDoc(DOC);
      // Nothing shared yet (the first instance, or a store emptied): ours becomes the shared version.
      if (!remote) {
        if (await write(null, local.text, local.hash, false)) return;
        continue;
      }
      if (base && remote.epoch === base.epoch && remote.version === base.version) {
        if (local.hash === base.hash) return;
        if (await write(remote, local.text, local.hash, false)) return;
        continue;
      }
      if (remote.hash === local.hash) return setBase(remote);
      if (base && local.hash === base.hash) return take(remote);
      // Both sides changed since they last agreed (or this instance never agreed on anything): merge.
      const merged = mergeConfig(base && YAML.parse(base.text), local.doc, YAML.parse(remote.text), base ? "mine" : "theirs");
      if (sameConfigValue(merged, YAML.parse(remote.text))) return take(remote);
      const text = YAML.stringify(merged, { lineWidth: 0 });
      try {
        deps.verify(parseConfigText(text, "the merged configuration"));
      } catch (e) {
        log.log("warn", "the configuration changed here and elsewhere, and the merge is not valid: taking the shared version", { error: (e as Error).message });
        return take(remote);
      }
      if (await write(remote, text, sha256(text), true)) {
        log.log("info", "configuration changed here and by another instance: merged", { version: base!.version });
        return;
      }
    }
  }

  // One sync at a time; calls while one waits to start share it.
  let tail: Promise<void> = Promise.resolve();
  let pending: Promise<void> | undefined;
  const sync = (): Promise<void> => {
    if (pending) return pending;
    const p = tail.then(async () => {
      pending = undefined;
      try {
        await syncOnce();
      } catch (e) {
        // The store went away mid-way (it is degraded now and the sync runs again when it is back), or the file
        // could not be written: logged at debug, the next change or poll tries again.
        log.log("debug", "configuration sync did not finish", { error: (e as Error).message });
      }
    });
    pending = p;
    tail = p;
    return p;
  };

  const watch = () => {
    const now = store.fingerprint();
    if (now === fingerprint) return;
    fingerprint = now;
    void sync();
  };

  const poll = async () => {
    if (!backend.up) return;
    try {
      const head = await backend.readDocHead(DOC);
      if (!head || !base || head.epoch !== base.epoch || head.version !== base.version) return void sync();
      if (Date.now() - touchedAt > TOUCH_MS) {
        touchedAt = Date.now();
        await backend.expire(DOC, DOC_TTL_MS);
      }
    } catch {
      // degraded; the reconnection syncs
    }
  };

  bus.on("config", () => void sync());
  backend.onUp(() => void sync());

  return {
    async start(waitMs) {
      if (await deps.ready(waitMs)) await sync();
      timers.push(setInterval(watch, deps.watchMs ?? 250), setInterval(() => void poll(), deps.pollMs ?? 1000));
      for (const t of timers) t.unref?.();
    },
    check: watch,
    sync,
    onApplied(listener) {
      appliedListeners.push(listener);
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
    },
  };
}

function loadBase(path: string): SharedDoc | undefined {
  try {
    const b = JSON.parse(readFileSync(path, "utf8")) as SharedDoc;
    return typeof b.epoch === "string" && typeof b.version === "number" && typeof b.text === "string" && typeof b.hash === "string" ? b : undefined;
  } catch {
    return undefined;
  }
}

function saveBase(path: string, doc: SharedDoc): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(doc), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch {
    // Only a restart's first sync is less informed without it (it merges with the shared version instead).
  }
}
