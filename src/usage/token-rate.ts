import type { StateStore } from "../state/types.ts";

/** The tokens-per-minute window: a fixed minute in the state store, like the requests-per-minute one. */
export const TOKEN_WINDOW_MS = 60_000;

const windowKey = (keyId: string) => `tpm:${keyId}`;

/**
 * Tokens a gateway key used in the current minute, and when that minute ends. Read before a request (its own
 * tokens are not known yet); through the StateStore, so a shared store makes instances agree.
 */
export const tokensThisMinute = (state: StateStore, keyId: string) => state.hit(windowKey(keyId), TOKEN_WINDOW_MS, 0);

/** Adds a finished request's tokens (input + output) to its key's current minute. */
export function countTokens(state: StateStore, keyId: string, tokens: number): void {
  if (!(tokens > 0)) return;
  // Never awaited: the answer is already out. The memory store cannot fail; a shared one that does loses a count.
  state.hit(windowKey(keyId), TOKEN_WINDOW_MS, tokens).catch(() => {});
}
