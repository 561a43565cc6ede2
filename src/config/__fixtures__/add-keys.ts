// Adds N keys to a config file through ConfigStore.update, as a separate process (concurrency test).
import { ConfigStore } from "../store.ts";

const [path, tag, count] = process.argv.slice(2);
const store = new ConfigStore(path!);
for (let i = 0; i < Number(count); i++) {
  store.update((c) =>
    c.gateway_keys.push({
      id: `key_${tag}_${i}`,
      name: `${tag}${i}`,
      key_hash: "0".repeat(64),
      key_prefix: "lgw_x",
      permissions: ["read"],
      status: "active",
      created_at: new Date().toISOString(),
    }),
  );
}
