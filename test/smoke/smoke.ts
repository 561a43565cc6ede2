import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RELAUNCH_DEFAULTS } from "../../src/process/relaunch.ts";
import pkg from "../../package.json";

export interface SmokeOptions {
  /** Added to the executable's environment (an emulator's settings). */
  env?: Record<string, string>;
  /**
   * false: the executable cannot re-execute itself (run through an emulator by hand), so the start-time settings
   * are given in its environment instead of being left to the relaunch.
   */
  relaunch?: boolean;
  /** The build target `version --json` must name (`bun-linux-arm64`). */
  target?: string;
}

/**
 * The smoke test of a gateway executable (the compiled binary, or `bun src/main.ts`): `version` and `version --json`
 * (the build stamp; the target when one is expected), then a temp config, a key, a mock
 * account and a proxy with a password added through the CLI (the password must not reach the file), the server
 * started on a free port, /health, /swagger/json, the docs page with its files (served from the executable) and
 * /v1/chat/completions, /v1/responses and a Gemini stream (`?key=`, JSON array) called, usage read by `usage` and by an admin key from /admin/api/usage, `status` asked (exit 0 while up), `health` (it lists the account), then SIGTERM, a check of the exit code, that every
 * line the server wrote is a JSON line, and `status` again (exit 1 once down). The start-time settings are left
 * unset, so `server start` relaunches itself (src/process/relaunch.ts): the process that answers must be the one
 * started, with the settings in its environment, and SIGTERM must reach it. The usage ledger (on by default;
 * `health --json` shows its state) must hold a row for each request in its SQLite file once the server stopped: the
 * ledger writes on a worker thread, a second entrypoint of the binary (build.ts).
 */
export async function smoke(command: string[], log: (line: string) => void = () => {}, opts: SmokeOptions = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lgw-smoke-"));
  const config = join(dir, "config.yaml");
  const startTime = opts.relaunch === false ? RELAUNCH_DEFAULTS : { BUN_CONFIG_MAX_HTTP_REQUESTS: undefined, BUN_JSC_forceRAMSize: undefined };
  const env = { ...process.env, ...opts.env, LLM_GATEWAY_CONFIG: config, HOME: dir, ...startTime };
  const run = (...args: string[]) => Bun.spawnSync([...command, ...args], { env, stdout: "pipe", stderr: "pipe" });
  const cli = (...args: string[]) => {
    const p = run(...args);
    if (p.exitCode !== 0) throw new Error(`${args.join(" ")} exited ${p.exitCode}: ${p.stderr.toString()}`);
    return p.stdout.toString();
  };
  let server: ReturnType<typeof Bun.spawn> | undefined;
  try {
    const plain = cli("version").trim();
    if (plain !== `llm-gateway ${pkg.version}`) throw new Error(`\`version\` printed "${plain}"`);
    const build = JSON.parse(cli("version", "--json")) as Record<string, unknown>;
    for (const k of ["version", "commit", "build_time", "target"]) if (typeof build[k] !== "string" || build[k] === "") throw new Error(`\`version --json\` lacks ${k}`);
    if (build.version !== pkg.version) throw new Error(`\`version --json\` names version ${build.version}`);
    if (opts.target !== undefined && build.target !== opts.target) throw new Error(`\`version --json\` names target ${build.target}, not ${opts.target}`);
    log(`version ${build.version}, commit ${build.commit}, built ${build.build_time} for ${build.target}`);

    const key = JSON.parse(cli("apikey", "add", "--name", "smoke", "--json")).key as string;
    const adminKey = JSON.parse(cli("apikey", "add", "--name", "smoke-admin", "--permissions", "admin", "--json")).key as string;
    cli("upstream", "add", "--type", "api-key", "--provider", "mock", "--name", "mock", "--json");
    // A proxy that never applies (mock accounts make no network call) but must be stored sealed and opened at start.
    cli("env", "set", "--http-proxy", "http://smoke:proxy-pass-123@127.0.0.1:9");
    if (readFileSync(config, "utf8").includes("proxy-pass-123")) throw new Error("the proxy password is in the config file");
    log("key, mock account and proxy added");

    server = Bun.spawn([...command, "server", "start", "--host", "127.0.0.1", "--port", "0"], { env, stdout: "pipe", stderr: "pipe" });
    const output = serverOutput(server.stdout as ReadableStream<Uint8Array>);
    const url = await output.url;
    log(`server at ${url}`);
    const environ = `/proc/${server.pid}/environ`;
    if (existsSync(environ)) {
      const vars = readFileSync(environ, "utf8").split("\0");
      for (const v of ["BUN_CONFIG_MAX_HTTP_REQUESTS=", "BUN_JSC_forceRAMSize="]) {
        if (!vars.some((x) => x.startsWith(v))) throw new Error(`the serving process (pid ${server.pid}) runs without ${v.slice(0, -1)}`);
      }
      log(opts.relaunch === false ? "start-time settings given in its environment (no relaunch)" : "relaunched in place with its start-time settings");
    }

    const health = await fetch(`${url}/health`);
    if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
    const h = (await health.json()) as { status: string };
    if (h.status !== "ok") throw new Error(`/health status ${h.status}`);

    const spec = (await (await fetch(`${url}/swagger/json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ["/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1beta/models/{model}:generateContent", "/health", "/admin/api/usage"]) if (!spec.paths[p]) throw new Error(`/swagger/json lacks ${p}`);
    // The docs page and its files come from the executable itself (no network here, none needed).
    const page = await (await fetch(`${url}/swagger`)).text();
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    if (refs.length < 2 || refs.some((r) => /^[a-z]+:|^\/\//i.test(r))) throw new Error(`/swagger refers elsewhere: ${refs.join(", ")}`);
    for (const r of refs) {
      const asset = await fetch(new URL(r, `${url}/swagger`));
      if (asset.status !== 200 || (await asset.arrayBuffer()).byteLength < 50) throw new Error(`${r} answered ${asset.status}`);
    }
    log(`docs page and ${refs.length} files served`);

    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-1", messages: [{ role: "user", content: "ping" }] }),
    });
    const body = (await chat.json()) as { choices?: { message: { content: string } }[] };
    if (chat.status !== 200 || !body.choices?.[0]?.message.content.includes("ping")) {
      throw new Error(`/v1/chat/completions answered ${chat.status}: ${JSON.stringify(body)}`);
    }
    log(`chat answered: ${body.choices[0]!.message.content}`);
    // A Responses client, as in the README's quickstart.
    const responses = await fetch(`${url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-1", input: "ping" }),
    });
    const answer = (await responses.json()) as { output?: { content?: { text?: string }[] }[] };
    if (responses.status !== 200 || !answer.output?.[0]?.content?.[0]?.text?.includes("ping")) {
      throw new Error(`/v1/responses answered ${responses.status}: ${JSON.stringify(answer)}`);
    }
    log("responses answered");
    // A Gemini client, its key as ?key= (the wildcard route and the JSON-array stream from the compiled binary).
    const gemini = await fetch(`${url}/v1beta/models/mock-1:streamGenerateContent?key=${key}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "ping" }] }] }),
    });
    const chunks = (await gemini.json()) as { candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[] }[];
    const said = Array.isArray(chunks) ? chunks.map((c) => c.candidates?.[0]?.content?.parts?.[0]?.text ?? "").join("") : "";
    if (gemini.status !== 200 || !said.includes("ping") || !chunks.at(-1)?.candidates?.[0]?.finishReason) {
      throw new Error(`/v1beta/models/mock-1:streamGenerateContent answered ${gemini.status}: ${JSON.stringify(chunks).slice(0, 500)}`);
    }
    log("gemini answered");

    // The usage ledger read by the CLI while the server runs (read-only, in the executable's own SQLite).
    const usage = JSON.parse(cli("usage", "--since", "1h", "--by", "model", "--json")) as { recorded?: unknown; totals?: { requests?: unknown } };
    if (typeof usage.recorded !== "boolean" || typeof usage.totals?.requests !== "number") throw new Error(`\`usage --json\` answered ${JSON.stringify(usage)}`);
    log(`usage read: ${usage.totals.requests} requests in the last hour`);
    // …and by the server, for an admin key: read-only on the ledger's worker thread, embedded in the executable.
    const res = await fetch(`${url}/admin/api/usage?by=key`, { headers: { authorization: `Bearer ${adminKey}` } });
    const report = (await res.json()) as { recorded?: unknown };
    if (res.status !== 200 || typeof report.recorded !== "boolean") throw new Error(`/admin/api/usage answered ${res.status}: ${JSON.stringify(report)}`);
    log("admin usage report served");

    // `status` asks the configured address: a copy of the config names the port the server picked.
    const atPort = withPort(config, dir, new URL(url).port);
    const status = () => Bun.spawnSync([...command, "status", "--config", atPort], { env, stdout: "pipe", stderr: "pipe" }).exitCode;
    const upCode = status();
    if (upCode !== 0) throw new Error(`status exited ${upCode} with the server up`);
    // The CLI sees each account's state: /health shows it to the token it derives from the shared master key.
    const cliHealth = Bun.spawnSync([...command, "health", "--json", "--config", atPort], { env, stdout: "pipe", stderr: "pipe" });
    const healthReport = JSON.parse(cliHealth.stdout.toString()) as { accounts?: { items?: unknown[] }; usage_ledger?: { state: string } };
    if (healthReport.accounts?.items?.length !== 1) throw new Error(`\`health --json\` lists no account: ${cliHealth.stdout.toString()}`);

    server.kill("SIGTERM");
    const code = await server.exited;
    if (code !== 0) throw new Error(`server exited ${code} after SIGTERM`);
    const lines = (await output.text).trimEnd().split("\n");
    const bad = lines.find((line) => !isJsonLine(line));
    if (bad !== undefined) throw new Error(`the server wrote a line that is not JSON: ${bad}`);
    const msgs = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    for (const m of ["stopping: finishing requests in flight", "stopped"]) if (!msgs.includes(m)) throw new Error(`no "${m}" line in the log`);
    const downCode = status();
    if (downCode !== 1) throw new Error(`status exited ${downCode} with the server down`);
    if (!healthReport.usage_ledger) throw new Error("`health --json` shows no usage ledger (it is on by default)");
    // Written by the ledger's worker thread, flushed at the latest when the server stopped: one row per request
    // (chat, responses, the Gemini stream).
    const db = new Database(join(dir, "usage.db"), { readonly: true });
    try {
      const rows = db.query("SELECT client_dialect, model_requested, status FROM usage_requests ORDER BY id").all() as { client_dialect: string; model_requested: string; status: number }[];
      const seen = rows.map((r) => `${r.client_dialect} ${r.model_requested} ${r.status}`).join(", ");
      for (const d of ["openai-chat", "openai-responses", "gemini"]) {
        if (!rows.some((r) => r.client_dialect === d && r.status === 200)) throw new Error(`the usage ledger has no ${d} row after its request (${seen || "no rows"}; state ${healthReport.usage_ledger.state})`);
      }
      log(`usage ledger: ${rows.length} rows written by its worker thread`);
    } finally {
      db.close();
    }
    log("server stopped cleanly");
  } finally {
    if (server && server.exitCode === null) server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the server's stdout to its end (so the server never blocks on a full pipe): `url` once the log's
 * `listening on` line is there, `text` (everything) once the process closed it.
 */
export function serverOutput(stdout: ReadableStream<Uint8Array>): { url: Promise<string>; text: Promise<string> } {
  let found: (url: string) => void = () => {};
  let failed: (e: Error) => void = () => {};
  const url = new Promise<string>((resolve, reject) => {
    found = resolve;
    failed = reject;
  });
  const text = (async () => {
    const decoder = new TextDecoder();
    let all = "";
    for await (const chunk of stdout) {
      all += decoder.decode(chunk, { stream: true });
      const m = /listening on (http:\/\/[^\s"]+)/.exec(all);
      if (m) found(m[1]!);
    }
    failed(new Error(`server exited before listening: ${all}`));
    return all;
  })();
  return { url, text };
}

function isJsonLine(line: string): boolean {
  try {
    return typeof JSON.parse(line) === "object";
  } catch {
    return false;
  }
}

/** A copy of the config with the server's port (the one a `--port 0` start picked), for `health` / `status`. */
function withPort(config: string, dir: string, port: string): string {
  const copy = join(dir, "at-port.yaml");
  writeFileSync(copy, readFileSync(config, "utf8").replace(/^  port: \d+$/m, `  port: ${port}`));
  return copy;
}
