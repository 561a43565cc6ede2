import { api, ApiError, setCsrfToken, whenSignedOut } from "./api.ts";
import { clear, h } from "./dom.ts";
import { accountsPage } from "./pages/accounts.ts";
import { dashboardPage } from "./pages/dashboard.ts";
import { environmentPage } from "./pages/environment.ts";
import { keysPage } from "./pages/keys.ts";
import { livePage } from "./pages/live.ts";
import { loginPage } from "./pages/login.ts";
import { routesPage } from "./pages/routes.ts";
import type { SessionAnswer } from "./types.ts";

/**
 * The admin UI: one page, one section per hash (#/dashboard, #/accounts, …). A section renders into <main> and
 * returns a function that stops its timers when another one is shown.
 */
export type Page = (main: HTMLElement, ctx: PageContext) => (() => void) | void;
export interface PageContext {
  session: SessionAnswer;
  toast(text: string, tone?: "ok" | "bad"): void;
}

const PAGES: [string, string, Page][] = [
  ["dashboard", "Dashboard", dashboardPage],
  ["accounts", "Accounts", accountsPage],
  ["keys", "Keys", keysPage],
  ["routes", "Routes", routesPage],
  ["environment", "Environment", environmentPage],
  ["live", "Live", livePage],
];

const main = document.getElementById("main")!;
const top = document.getElementById("top")!;
const nav = document.getElementById("nav")!;
const who = document.getElementById("who")!;
const toastEl = document.getElementById("toast")!;
let session: SessionAnswer | undefined;
let stop: (() => void) | void;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

function toast(text: string, tone: "ok" | "bad" = "ok") {
  toastEl.textContent = text;
  toastEl.className = `toast show ${tone}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toastEl.className = "toast"), 5000);
}

function show() {
  stop?.();
  stop = undefined;
  clear(main);
  if (!session) {
    top.hidden = true;
    stop = loginPage(main, (s) => {
      session = s;
      setCsrfToken(s.csrf_token);
      if (!location.hash || location.hash === "#/login") location.hash = "#/dashboard";
      else show();
    });
    return;
  }
  top.hidden = false;
  const name = location.hash.replace(/^#\/?/, "") || "dashboard";
  const page = PAGES.find(([id]) => id === name) ?? PAGES[0]!;
  clear(nav);
  for (const [id, label] of PAGES) {
    nav.appendChild(h("a", { href: `#/${id}`, "aria-current": id === page[0] ? "page" : undefined }, label));
  }
  who.textContent = `Signed in as ${session.key.name}`;
  document.title = `${page[1]} · llm-gateway admin`;
  stop = page[2](main, { session, toast });
  main.focus({ preventScroll: true });
}

whenSignedOut(() => {
  if (!session) return;
  session = undefined;
  setCsrfToken(undefined);
  show();
  toast("Your session ended: sign in again.", "bad");
});

document.getElementById("signout")!.addEventListener("click", async () => {
  try {
    await api("DELETE", "/session");
  } catch {
    /* signed out either way */
  }
  session = undefined;
  setCsrfToken(undefined);
  location.hash = "#/login";
  show();
});

window.addEventListener("hashchange", show);

(async () => {
  try {
    session = await api<SessionAnswer>("GET", "/session");
    setCsrfToken(session.csrf_token);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) toast((e as Error).message, "bad");
  }
  show();
})();
