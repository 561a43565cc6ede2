/** Lets pending I/O, worker messages and promise chains run; a yield, not a timed wait. */
export const tick = () => new Promise<void>((r) => setImmediate(r));

/** Waits until `cond` holds, bounded by iterations rather than time. */
export async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200_000; i++) {
    if (await cond()) return;
    await tick();
  }
  throw new Error(`condition never met: ${what}`);
}
