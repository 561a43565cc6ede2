/** Small type guards for untrusted JSON, shared by the dialects' decoders. */
export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** Keys of `o` not in `known`, or undefined when there are none (keeps canonical objects small). */
export function extraOf(o: Json, known: ReadonlySet<string>): Json | undefined {
  let extra: Json | undefined;
  for (const k in o) {
    if (!known.has(k) && o[k] !== undefined) (extra ??= {})[k] = o[k];
  }
  return extra;
}

/** Parses JSON text; on failure returns undefined (callers decide the fallback). */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Encoders drop the origin dialect's extra fields (they mean nothing to the target); each one is reported
 * so the server can log it.
 */
export function reportDroppedExtra(
  extra: Json | undefined,
  reason: string,
  adjust: ((field: string, reason: string) => void) | undefined,
): void {
  if (!extra || !adjust) return;
  for (const k in extra) adjust(k, reason);
}
