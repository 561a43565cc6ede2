import { randomBytes } from "node:crypto";

/** Ids for config items: `key_` / `up_` / `route_` + 12 random hex characters (48 bits: no collisions in practice). */
export const newId = (prefix: "key" | "up" | "route") => `${prefix}_${randomBytes(6).toString("hex")}`;
