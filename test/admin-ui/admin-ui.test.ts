// The web admin UI in a real browser (Debian's Chromium through playwright-core) against the compiled binary: sign
// in, add a mock account, create a key (shown once), use it, see it in the live view and the dashboard, disable it
// and see it refused, sign out; a wrong key and a read-only key cannot sign in; CLI changes show after a reload and
// UI changes in the CLI at once; keyboard-only forms; 1280 px and phone width. Screenshots of every page go to
// test-artifacts/admin-ui/ (not committed; docs/images/admin-dashboard.png is one of them, refreshed by hand).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { compiledBinary } from "../support/compiled-binary.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.log(`admin UI browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

const ARTIFACTS = join(import.meta.dir, "..", "..", "test-artifacts", "admin-ui");
const dir = mkdtempSync(join(tmpdir(), "lgw-admin-ui-"));
const env = { ...process.env, LLM_GATEWAY_CONFIG: join(dir, "config.yaml"), LLM_GATEWAY_MASTER_KEY: "c".repeat(64), HOME: dir };
let binary = "";
let server: ReturnType<typeof Bun.spawn> | undefined;
let base = "";
let browser: Browser | undefined;
let adminKey = "";
let readKey = "";
const offsite: string[] = [];
const cspErrors: string[] = [];

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const p = Bun.spawnSync([binary, ...args], { env, stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  if (!haveChromium) return;
  binary = await compiledBinary();
  adminKey = JSON.parse(cli("apikey", "add", "--name", "ops", "--permissions", "admin", "--json").stdout).key;
  readKey = JSON.parse(cli("apikey", "add", "--name", "viewer", "--permissions", "read", "--json").stdout).key;
  server = Bun.spawn([binary, "server", "start", "--host", "127.0.0.1", "--port", "0"], { env, stdout: "pipe", stderr: "inherit" });
  const reader = (server.stdout as ReadableStream<Uint8Array>).getReader();
  let log = "";
  base = await until("the server's address", async () => {
    const { value } = await reader.read();
    log += new TextDecoder().decode(value);
    return /listening on (http:\/\/[^\s"]+)/.exec(log)?.[1];
  });
  // Keep draining the log so the server never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done);
  })();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Playwright gives each launch a fresh profile (its own --user-data-dir). Without the background-networking
    // flags Chromium tries to reach Google's services, which this machine's closed network refuses.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) {
    server.kill("SIGTERM");
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function newPage(width: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ viewport: { width, height: width < 600 ? 844 : 900 }, baseURL: base });
  const page = await context.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:")) offsite.push(r.url());
  });
  page.on("console", (m) => {
    if (/content security policy/i.test(m.text())) cspErrors.push(m.text());
  });
  return { context, page };
}

const shot = (page: Page, name: string, width: number) => page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });

async function signIn(page: Page, key: string) {
  await page.goto("/admin");
  const field = page.getByLabel("Admin key");
  await field.fill(key);
  await field.press("Enter");
}

const chat = (key: string) =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-1", messages: [{ role: "user", content: "Hello from the browser test" }] }),
  });

describe.skipIf(!haveChromium)("admin UI in Chromium, served by the compiled binary", () => {
  test("a wrong key and a read-only key cannot sign in", async () => {
    const { context, page } = await newPage(1280);
    await signIn(page, "lgw_not-a-key");
    await page.getByRole("alert").filter({ hasText: "invalid" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toBe("invalid API key");
    await shot(page, "login", 1280);
    await signIn(page, readKey);
    await page.getByRole("alert").filter({ hasText: "admin" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("lacks the 'admin' permission");
    expect(await page.getByRole("heading", { name: "Dashboard" }).count()).toBe(0);
    await context.close();
  }, 60_000);

  test("sign in → add a mock account → create a key → use it → live view and dashboard → disable it → refused → sign out", async () => {
    const { context, page } = await newPage(1280);
    // Keyboard only: the key field has the focus, the skip link is before it, Enter submits.
    await page.goto("/admin");
    await page.getByLabel("Admin key").waitFor();
    const focused = () => page.evaluate("document.activeElement?.getAttribute('name') ?? document.activeElement?.textContent");
    expect(await focused()).toBe("key");
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe("Skip to content");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("key");
    await page.keyboard.type(adminKey);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "lgw_admin")).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/admin" });

    // An API-key account (the mock needs no key).
    await page.getByRole("link", { name: "Accounts" }).click();
    await page.getByText("Add an API-key account").click();
    const add = page.getByRole("form", { name: "Add an API-key account" });
    await add.getByLabel("Name").fill("mock-main");
    await add.getByLabel("Provider").selectOption("mock");
    await add.getByRole("button", { name: "Add account" }).click();
    await page.getByRole("cell", { name: /^mock-main/ }).waitFor();
    const listed = JSON.parse(cli("upstream", "list", "--json").stdout) as { name: string; provider: string }[];
    expect(listed.map((a) => [a.name, a.provider])).toEqual([["mock-main", "mock"]]);
    await shot(page, "accounts", 1280);

    // A key, shown once.
    await page.getByRole("link", { name: "Keys" }).click();
    const create = page.getByRole("form", { name: "Create a gateway key" });
    await create.getByLabel("Name").fill("app");
    await create.getByLabel("Requests per minute").fill("600");
    await create.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByLabel("The new key");
    await shown.waitFor();
    const secret = await shown.inputValue();
    expect(secret).toMatch(/^lgw_/);
    await shot(page, "keys-created", 1280);
    await page.reload();
    await page.getByRole("cell", { name: /^app/ }).waitFor();
    expect(await page.content()).not.toContain(secret);
    await shot(page, "keys", 1280);

    // The key works; the request shows in the live view with its model, key, account and tokens.
    const ok = await chat(secret);
    expect(ok.status).toBe(200);
    await page.getByRole("link", { name: "Live" }).click();
    const row = page.getByRole("row").filter({ hasText: "mock-1" }).filter({ hasText: "app" });
    await row.first().waitFor();
    const cells = await row.first().getByRole("cell").allTextContents();
    expect(cells).toContain("200");
    expect(cells).toContain("mock-main");
    expect(cells.join(" ")).not.toContain(secret);
    expect(cells.at(-1)).toMatch(/^\d+ \/ \d+$/);
    await shot(page, "live", 1280);

    // The dashboard counts it (with a little more traffic, two of it refused, for the charts).
    for (let i = 0; i < 6; i++) expect((await chat(i < 2 ? "lgw_wrong" : secret)).status).toBe(i < 2 ? 401 : 200);
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("cell", { name: /^mock-main/ }).waitFor();
    await until("the request in the dashboard", async () => {
      const text = await page.locator(".stat").filter({ hasText: "Requests" }).filter({ hasText: "since start" }).textContent();
      return Number(/Requests([\d,]+)/.exec(text ?? "")?.[1]?.replace(/,/g, "") ?? 0) >= 1 || undefined;
    });
    expect(await page.locator("svg.chart").count()).toBeGreaterThanOrEqual(3);
    await shot(page, "dashboard", 1280);

    // Disabled in the UI: refused at once, and the CLI shows it.
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByRole("button", { name: "Disable app" }).click();
    await page.getByRole("button", { name: "Enable app" }).waitFor();
    expect((await chat(secret)).status).toBe(401);
    const app = (JSON.parse(cli("apikey", "list", "--json").stdout) as { name: string; status: string }[]).find((k) => k.name === "app");
    expect(app?.status).toBe("disabled");

    // Sign out: the session is gone server-side, not only the cookie.
    const before = (await context.cookies()).find((c) => c.name === "lgw_admin")!.value;
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin key").waitFor();
    const replay = await fetch(`${base}/admin/api/session`, { headers: { cookie: `lgw_admin=${before}` } });
    expect(replay.status).toBe(401);
    await context.close();
  }, 90_000);

  test("changes made with the CLI show after a reload; changes made in the UI show in the CLI; routes and environment", async () => {
    const { context, page } = await newPage(1280);
    await signIn(page, adminKey);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByRole("link", { name: "Routes" }).click();
    await page.getByRole("heading", { name: "Model routes" }).waitFor();
    expect(cli("route", "add", "--from", "gpt-4o*", "--to", "mock-1", "--provider", "mock").code).toBe(0);
    await page.reload();
    await page.getByRole("cell", { name: "gpt-4o*", exact: true }).waitFor();

    // A route added with the keyboard alone: type, Tab to the next field, Enter submits.
    const from = page.getByRole("form", { name: "Add a model route" }).getByLabel("From (requested model)");
    await from.focus();
    await page.keyboard.type("claude-*");
    await page.keyboard.press("Tab");
    await page.keyboard.type("mock-2");
    await page.keyboard.press("Enter");
    await page.getByRole("cell", { name: "claude-*", exact: true }).waitFor();
    const routes = JSON.parse(cli("route", "list", "--json").stdout) as { source_model: string; target_model: string }[];
    expect(routes.map((r) => [r.source_model, r.target_model])).toContainEqual(["claude-*", "mock-2"]);
    await page.getByRole("button", { name: "Move claude-* down" }).click();
    await until("the new order", async () => {
      const first = await page.getByRole("row").nth(1).getByRole("cell").nth(1).textContent();
      return first === "gpt-4o*" || undefined;
    });
    await shot(page, "routes", 1280);

    await page.getByRole("link", { name: "Environment" }).click();
    const noProxy = page.getByLabel("No proxy");
    await noProxy.fill("localhost,127.0.0.1,.internal");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Proxy settings saved").waitFor();
    expect(JSON.parse(cli("env", "show", "--name", "no_proxy", "--json").stdout).value).toBe("localhost,127.0.0.1,.internal");
    expect(cli("env", "set", "--http-proxy", "http://user:hunter2@proxy.test:3128").code).toBe(0);
    await page.reload();
    expect(await page.getByLabel("HTTP proxy").inputValue()).toBe("http://user:****@proxy.test:3128/");
    expect(await page.content()).not.toContain("hunter2");
    await shot(page, "environment", 1280);
    await context.close();
  }, 60_000);

  test("every page at phone width (390 px): no sideways scrolling of the page", async () => {
    const { context, page } = await newPage(390);
    await signIn(page, adminKey);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    for (const [link, heading] of [
      ["Dashboard", "Dashboard"],
      ["Accounts", "Accounts"],
      ["Keys", "Gateway keys"],
      ["Routes", "Model routes"],
      ["Environment", "Environment"],
      ["Live", "Live requests"],
    ] as const) {
      await page.getByRole("link", { name: link, exact: true }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      await page.waitForLoadState("networkidle");
      expect([link, await page.evaluate("document.documentElement.scrollWidth")]).toEqual([link, 390]);
      await shot(page, link.toLowerCase(), 390);
    }
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin key").waitFor();
    await shot(page, "login", 390);
    await context.close();
  }, 60_000);

  test("nothing was loaded from elsewhere and the Content-Security-Policy was never broken", () => {
    expect(offsite).toEqual([]);
    expect(cspErrors).toEqual([]);
  });
});
