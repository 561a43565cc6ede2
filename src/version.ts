import pkg from "../package.json";

/** The version compiled into the binary (a static import: no file is read at run time). */
export const VERSION: string = pkg.version;

// Replaced by string literals when build.ts compiles the binary (`bun build --define`); run from source they stay
// undeclared, and `typeof` of an undeclared name is "undefined" rather than a ReferenceError.
declare const LLM_GATEWAY_BUILD_COMMIT: string | undefined;
declare const LLM_GATEWAY_BUILD_TIME: string | undefined;
declare const LLM_GATEWAY_BUILD_TARGET: string | undefined;

/** What `version --json` reports: which source, when, and for which platform this binary was built. */
export interface BuildInfo {
  version: string;
  /** The git commit built (with `-dirty` when the tree had changes), or "unknown" (no git, or run from source). */
  commit: string;
  /** ISO 8601 (UTC), or "unknown" when run from source. */
  build_time: string;
  /** The `bun build --compile` target (`bun-linux-arm64`…), or `source` when run with `bun src/main.ts`. */
  target: string;
  /** The Bun runtime inside the binary. */
  bun: string;
}

export const BUILD_INFO: Readonly<BuildInfo> = Object.freeze({
  version: VERSION,
  commit: typeof LLM_GATEWAY_BUILD_COMMIT === "string" ? LLM_GATEWAY_BUILD_COMMIT : "unknown",
  build_time: typeof LLM_GATEWAY_BUILD_TIME === "string" ? LLM_GATEWAY_BUILD_TIME : "unknown",
  target: typeof LLM_GATEWAY_BUILD_TARGET === "string" ? LLM_GATEWAY_BUILD_TARGET : "source",
  bun: Bun.version,
});
