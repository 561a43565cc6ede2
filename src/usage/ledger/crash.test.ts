import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "bun";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * kill -9 of a process that is recording rows (its store on a worker thread, SQLite in WAL mode): what was
 * committed stays, a batch is all or nothing, the rollups agree with the rows, and what is lost is what was still
 * buffered: less than one batch when the writer keeps up.
 */
const tmp = mkdtempSync(join(tmpdir(), "ledger-crash-"));
const children: ReturnType<typeof spawnChild>[] = [];
afterAll(() => {
  for (const c of children) c.proc.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

function spawnChild(path: string, batch: number) {
  const proc = spawn([process.execPath, join(import.meta.dir, "__fixtures__", "crash-child.ts"), path, String(batch)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: () => void }[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of proc.stdout) {
      rest += decoder.decode(chunk);
      let i: number;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
    }
    for (const w of waiters) w.resolve();
  })();
  const waitFor = (test: (l: string) => boolean) =>
    lines.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve }));
  return {
    proc,
    lines,
    waitFor,
    send(line: string) {
      proc.stdin.write(`${line}\n`);
      proc.stdin.flush();
    },
    lastWritten: () => Math.max(0, ...lines.filter((l) => l.startsWith("written ")).map((l) => Number(l.slice(8)))),
  };
}

function inspect(path: string) {
  const db = new Database(path);
  const rows = (db.query("SELECT COUNT(*) AS n FROM usage_requests").get() as { n: number }).n;
  const hourly = (db.query("SELECT COALESCE(SUM(requests), 0) AS n FROM usage_hourly").get() as { n: number }).n;
  const daily = (db.query("SELECT COALESCE(SUM(requests), 0) AS n FROM usage_daily").get() as { n: number }).n;
  const integrity = (db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
  db.close();
  return { rows, hourly, daily, integrity };
}

describe("usage ledger killed with SIGKILL", () => {
  test("committed batches survive; only the rows still waiting for their batch are lost", async () => {
    const path = join(tmp, "steady", "usage.db");
    const child = spawnChild(path, 50);
    children.push(child);
    await child.waitFor((l) => l === "ready");
    child.send("record 120");
    await child.waitFor((l) => l === "written 120");
    child.send("record 30");
    await child.waitFor((l) => l === "recorded 150");
    child.proc.kill("SIGKILL");
    expect(await child.proc.exited).not.toBe(0);
    const after = inspect(path);
    expect(after).toEqual({ rows: 120, hourly: 120, daily: 120, integrity: "ok" });
    // Lost: the 30 rows of the unfinished batch, fewer than one batch.
    expect(150 - after.rows).toBeLessThan(50);
  });

  test("killed in the middle of writing: whole batches only, rollups in step with the rows", async () => {
    const path = join(tmp, "busy", "usage.db");
    const child = spawnChild(path, 50);
    children.push(child);
    await child.waitFor((l) => l === "ready");
    child.send("record 20000");
    await child.waitFor((l) => l.startsWith("written "));
    child.proc.kill("SIGKILL");
    await child.proc.exited;
    const after = inspect(path);
    expect(after.integrity).toBe("ok");
    expect(after.rows % 50).toBe(0);
    expect(after.rows).toBeGreaterThanOrEqual(child.lastWritten());
    expect(after.hourly).toBe(after.rows);
    expect(after.daily).toBe(after.rows);
  });
});
