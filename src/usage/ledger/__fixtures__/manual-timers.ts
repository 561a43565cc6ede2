import type { Timers } from "../batch-writer.ts";

/** A clock and timers that move only when a test says so; `advance` runs what falls due, in order. */
export function manualTimers(start = 1_000_000) {
  let now = start;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set(fn, ms) {
      const id = ++seq;
      pending.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clear(id) {
      pending.delete(id as number);
    },
  };
  /** Lets promise callbacks (writes settling, drains continuing) run. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    timers,
    clock: () => now,
    settle,
    /** Moves time forward by `ms`, firing due timers one by one and letting their async work settle. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        pending.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await settle();
      }
      now = end;
      await settle();
    },
    /** When the next timer falls due (ms from now), or undefined. */
    nextDue(): number | undefined {
      const ats = [...pending.values()].map((t) => t.at);
      return ats.length ? Math.min(...ats) - now : undefined;
    },
  };
}
