/** What a deadline promise resolves to. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * Promises that resolve to TIMED_OUT at least `ms` after they are asked for, shared by every operation that starts
 * within the same quarter of `ms`: a shared store's operations (one per rate-limited request) each race one, and one
 * timer per slot costs less than one per operation. An operation waits between `ms` and 1.25 × `ms`.
 */
export function createDeadlines(ms: number): () => Promise<typeof TIMED_OUT> {
  const slot = Math.max(1, ms / 4);
  let slotEnds = -Infinity;
  let current: Promise<typeof TIMED_OUT> | undefined;
  return () => {
    const now = performance.now();
    if (current === undefined || now >= slotEnds) {
      slotEnds = now + slot;
      current = new Promise((resolve) => setTimeout(() => resolve(TIMED_OUT), ms + slot).unref?.());
    }
    return current;
  };
}
