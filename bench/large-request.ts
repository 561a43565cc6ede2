/**
 * Peak memory of the gateway for large request bodies: a fresh gateway process per case (fake upstream in its own
 * process), `--concurrent` requests of `--mb` MB each sent at once, the gateway's RSS (VmRSS) sampled every 10 ms.
 * Cases: same dialect (the body is forwarded as sent), a conversion (decoded and re-encoded), and a body of
 * non-ASCII text (a JavaScript string of it takes two bytes a character).
 *
 *   bun bench/large-request.ts [--mb 30] [--concurrent 1,4] [--source|--binary] [--only passthrough]
 *
 * Prints one line per case: RSS before, peak, peak minus before, and that as a multiple of the bytes in flight.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { readRss } from "./processes.ts";
import { restartGateway, startServices, type BenchServices } from "./scenarios.ts";

interface Case {
  id: string;
  path: string;
  headers: Record<string, string>;
  body: (bytes: number) => string;
}

const filler = (bytes: number, unit: string) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);

/** A conversation of about `bytes` in 1 KB turns. */
function conversation(model: string, bytes: number): string {
  const turn = filler(1000, "Please look at this file again. ");
  const messages = Array.from({ length: Math.max(1, Math.floor(bytes / 1040)) }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: turn }));
  messages.push({ role: "user", content: "hi" });
  return JSON.stringify({ model, max_tokens: 16, messages });
}

function cases(key: string): Case[] {
  const openai = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const chat = (model: string, text: string) => JSON.stringify({ model, max_tokens: 16, messages: [{ role: "system", content: text }, { role: "user", content: "hi" }] });
  return [
    { id: "passthrough openai→openai", path: "/v1/chat/completions", headers: openai, body: (n) => chat("gpt-bench", filler(n, "You are a careful assistant. ")) },
    { id: "conversion openai→anthropic", path: "/v1/chat/completions", headers: openai, body: (n) => chat("claude-bench", filler(n, "You are a careful assistant. ")) },
    // A long conversation: many small messages, so the parsed body is many objects rather than one long string.
    { id: "passthrough, 30k messages", path: "/v1/chat/completions", headers: openai, body: (n) => conversation("gpt-bench", n) },
    { id: "conversion, 30k messages", path: "/v1/chat/completions", headers: openai, body: (n) => conversation("claude-bench", n) },
    // Three UTF-8 bytes a character: the same byte count is a third of the characters, each two bytes in a JS string.
    { id: "passthrough, non-ASCII text", path: "/v1/chat/completions", headers: openai, body: (n) => chat("gpt-bench", filler(Math.floor(n / 3), "注意深いアシスタント。")) },
  ];
}

async function measure(svc: BenchServices, c: Case, mb: number, concurrent: number) {
  const gateway = await restartGateway(svc);
  const body = c.body(mb * 1024 * 1024);
  const bytes = Buffer.byteLength(body);
  // A moment for the new process to settle before the baseline.
  await Bun.sleep(300);
  const before = readRss(gateway.pid) ?? 0;
  let peak = before;
  const sampler = setInterval(() => {
    const r = readRss(gateway.pid);
    if (r && r > peak) peak = r;
  }, 10);
  const statuses = await Promise.all(
    Array.from({ length: concurrent }, () =>
      fetch(gateway.url + c.path, { method: "POST", headers: c.headers, body }).then(async (r) => (await r.arrayBuffer(), r.status)),
    ),
  );
  await Bun.sleep(50);
  clearInterval(sampler);
  const after = readRss(gateway.pid) ?? 0;
  return { bytes, before, peak, after, statuses };
}

async function main() {
  const { values } = parseArgs({
    options: {
      mb: { type: "string", default: "30" },
      concurrent: { type: "string", default: "1,4" },
      source: { type: "boolean", default: false },
      binary: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  const mb = Number(values.mb);
  const concurrency = values.concurrent!.split(",").map(Number);
  const prefer = values.binary ? "binary" : values.source ? "source" : "auto";
  const svc = await startServices({ gateway: prefer });
  try {
    // body_limit must admit the bodies; each case restarts the gateway, which then reads it.
    const doc = YAML.parse(readFileSync(svc.setup!.configPath, "utf8"));
    doc.server = { ...doc.server, body_limit: Math.max(doc.server?.body_limit ?? 0, (mb + 4) * 1024 * 1024) };
    writeFileSync(svc.setup!.configPath, YAML.stringify(doc));
    const MB = (n: number) => (n / 1024 / 1024).toFixed(0).padStart(5);
    console.log(`gateway: ${svc.setup!.kind}; ${mb} MB requests; RSS in MB`);
    console.log("case                                 conc  body   before   peak  +peak  xbytes  after  statuses");
    for (const c of cases(svc.setup!.key)) {
      if (values.only && !c.id.includes(values.only)) continue;
      for (const n of concurrency) {
        const r = await measure(svc, c, mb, n);
        const added = r.peak - r.before;
        console.log(
          `${c.id.padEnd(36)} ${String(n).padStart(4)} ${MB(r.bytes)}  ${MB(r.before)}  ${MB(r.peak)}  ${MB(added)}  ${(added / (r.bytes * n)).toFixed(1).padStart(6)}  ${MB(r.after)}  ${[...new Set(r.statuses)].join(",")}`,
        );
      }
    }
  } finally {
    await svc.stop();
  }
}

if (import.meta.main) await main();
