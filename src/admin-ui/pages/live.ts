import { api } from "../api.ts";
import { badge, button, clear, fmtInt, fmtMs, fmtTime, h, table } from "../dom.ts";
import type { Page } from "../main.ts";
import type { AdminRecentRequest } from "../types.ts";

const POLL_MS = 2000;

/**
 * The latest requests, polled every two seconds (a poll is one small GET; a stream of events would hold a
 * connection open per tab for no gain at this rate, and would need keep-alives through proxies). Status, model,
 * key, account, latency, tokens: never a body, a header or a key.
 */
export const livePage: Page = (main, ctx) => {
  const list = h("div", { "aria-live": "off" });
  let paused = false;
  const pause = button("Pause", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
  }, { class: "secondary", "aria-pressed": "false" });
  main.append(h("div", { class: "row spread" }, h("h1", {}, "Live requests"), pause), list);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const poll = async () => {
    if (!paused) {
      try {
        render(list, (await api<{ requests: AdminRecentRequest[] }>("GET", "/requests?limit=100")).requests);
      } catch (e) {
        if (!stopped) ctx.toast((e as Error).message, "bad");
      }
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
};

function render(el: HTMLElement, requests: AdminRecentRequest[]) {
  clear(el);
  el.append(
    table(
      "The latest requests, newest first",
      ["Time", "Status", "Route", "Model", "Key", "Account", "Latency", "Tokens in / out"],
      requests.map((r) => [
        fmtTime(r.time),
        r.status === 0 ? badge("in flight", "warn") : badge(String(r.status), r.status < 400 ? "ok" : r.status < 500 ? "warn" : "bad"),
        `${r.method} ${r.route}`,
        r.model ?? "–",
        r.key_name ?? r.key_id ?? (r.error_type === "authentication" ? "(no valid key)" : "–"),
        r.account_name ?? r.account_id ?? "–",
        fmtMs(r.latency_ms),
        r.input_tokens === undefined ? "–" : `${fmtInt(r.input_tokens)} / ${fmtInt(r.output_tokens ?? 0)}`,
      ]),
      "No requests yet. They show here as they arrive.",
    ),
  );
}
