import { expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { Config } from "../config/schema.ts";
import { createCipher } from "../config/secrets.ts";
import type { ConfigStore } from "../config/store.ts";
import { ConfigError } from "../errors.ts";
import { createLogger } from "../server/logger.ts";
import { watchConfig } from "./runtime-config.ts";

const defaults = () => Value.Default(Config, {}) as Config;

/** A store whose file changes are driven by the test: `change` and `reject` are what its poll would call. */
function fakeStore() {
  const cipher = createCipher(Buffer.alloc(32, 5));
  let change: (c: Config) => void = () => {};
  let reject: (e: Error) => void = () => {};
  const store = {
    cipher,
    watch(onChange: (c: Config) => void, onError: (e: Error) => void) {
      change = onChange;
      reject = onError;
      return () => {};
    },
  } as unknown as ConfigStore;
  return { store, cipher, change: (c: Config) => change(c), reject: (e: Error) => reject(e) };
}

function logged() {
  let text = "";
  const log = createLogger({ level: "info", format: "json", sink: { write: (t) => (text += t) } });
  return { log, lines: () => (log.flush(), text.trimEnd().split("\n").filter(Boolean).map((l) => JSON.parse(l))) };
}

test("the same rejection is logged once while the file stays broken; a good load re-arms it", () => {
  const f = fakeStore();
  const { log, lines } = logged();
  const live = watchConfig(f.store, defaults(), log);
  const empty = new ConfigError("/x/config.yaml is empty (no settings at all); restore it, or delete it to start from the defaults");
  f.reject(empty);
  f.reject(empty);
  f.reject(new ConfigError("/x/config.yaml is not valid YAML"));
  expect(lines().map((l) => l.error)).toEqual([empty.message, "/x/config.yaml is not valid YAML"]);
  f.change(defaults());
  f.reject(empty);
  expect(lines().filter((l) => l.level === "error")).toHaveLength(3);
  expect(live.current().gateway_keys).toEqual([]);
});

test("sealed proxy URLs are opened for the running server; one the master key cannot open is a rejected change", () => {
  const f = fakeStore();
  const { log, lines } = logged();
  const live = watchConfig(f.store, defaults(), log);
  const next = defaults();
  next.environment.https_proxy = f.cipher.encrypt("http://u:p4ss@proxy:3128");
  f.change(next);
  expect(live.current().environment.https_proxy).toBe("http://u:p4ss@proxy:3128");

  const foreign = defaults();
  foreign.environment.https_proxy = createCipher(Buffer.alloc(32, 6)).encrypt("http://u:other@proxy:3128");
  foreign.server.port = 1;
  f.change(foreign);
  expect(live.current().server.port).toBe(3847);
  expect(live.current().environment.https_proxy).toBe("http://u:p4ss@proxy:3128");
  const error = lines().find((l) => l.level === "error")!;
  expect(error.error).toContain("cannot decrypt environment.https_proxy");
  expect(JSON.stringify(lines())).not.toContain("p4ss");
});
