import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The smoke test of a gateway executable (the compiled binary, or `bun src/main.ts`): temp config, a key and a
 * mock account added through the CLI, the server started on a free port, /health, /swagger/json and
 * /v1/chat/completions called, then SIGTERM and a check of the exit code. The start-time settings are left unset, so
 * `server start` relaunches itself (src/process/relaunch.ts): the process that answers must be the one started, with
 * the settings in its environment, and SIGTERM must reach it.
 */
export async function smoke(command: string[], log: (line: string) => void = () => {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lgw-smoke-"));
  const config = join(dir, "config.yaml");
  const env = { ...process.env, LLM_GATEWAY_CONFIG: config, HOME: dir, BUN_CONFIG_MAX_HTTP_REQUESTS: undefined, BUN_JSC_forceRAMSize: undefined };
  const cli = (...args: string[]) => {
    const p = Bun.spawnSync([...command, ...args], { env, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`${args.join(" ")} exited ${p.exitCode}: ${p.stderr.toString()}`);
    return p.stdout.toString();
  };
  let server: ReturnType<typeof Bun.spawn> | undefined;
  try {
    const key = JSON.parse(cli("apikey", "add", "--name", "smoke", "--json")).key as string;
    cli("upstream", "add", "--type", "api-key", "--provider", "mock", "--name", "mock", "--json");
    log("key and mock account added");

    server = Bun.spawn([...command, "server", "start", "--host", "127.0.0.1", "--port", "0"], { env, stdout: "pipe", stderr: "pipe" });
    const url = await listeningUrl(server.stdout as ReadableStream<Uint8Array>);
    log(`server at ${url}`);
    const environ = `/proc/${server.pid}/environ`;
    if (existsSync(environ)) {
      const vars = readFileSync(environ, "utf8").split("\0");
      for (const v of ["BUN_CONFIG_MAX_HTTP_REQUESTS=", "BUN_JSC_forceRAMSize="]) {
        if (!vars.some((x) => x.startsWith(v))) throw new Error(`the serving process (pid ${server.pid}) runs without ${v.slice(0, -1)}`);
      }
      log("relaunched in place with its start-time settings");
    }

    const health = await fetch(`${url}/health`);
    if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
    const h = (await health.json()) as { status: string };
    if (h.status !== "ok") throw new Error(`/health status ${h.status}`);

    const spec = (await (await fetch(`${url}/swagger/json`)).json()) as { paths: Record<string, unknown> };
    for (const p of ["/v1/chat/completions", "/v1/messages", "/health"]) if (!spec.paths[p]) throw new Error(`/swagger/json lacks ${p}`);

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

    server.kill("SIGTERM");
    const code = await server.exited;
    if (code !== 0) throw new Error(`server exited ${code} after SIGTERM`);
    log("server stopped cleanly");
  } finally {
    if (server && server.exitCode === null) server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the server's stdout until it prints its address, then keeps draining it so the server never blocks. */
export async function listeningUrl(stdout: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${text}`);
    text += decoder.decode(value, { stream: true });
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) {
      void (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
      return m[1]!;
    }
  }
}
