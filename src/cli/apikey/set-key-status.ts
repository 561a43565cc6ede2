import type { ConfigStore } from "../../config/store.ts";
import { findIndex } from "../find-item.ts";

/** Shared by `apikey enable` and `apikey disable`. */
export function setKeyStatus(store: ConfigStore, ref: string, status: "active" | "disabled") {
  return store.update((c) => {
    const key = c.gateway_keys[findIndex(c.gateway_keys, ref, "gateway key")]!;
    const changed = key.status !== status;
    key.status = status;
    return { id: key.id, name: key.name, changed };
  });
}
