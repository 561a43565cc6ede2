import { api } from "../api.ts";
import { button, field, formValues, h, input } from "../dom.ts";
import type { Page } from "../main.ts";
import type { AdminEnvironment } from "../types.ts";
import { submitter } from "./forms.ts";

const NAMES = ["http_proxy", "https_proxy", "no_proxy"] as const;

/**
 * The outbound proxy every upstream call uses. Passwords arrive masked (****); only fields changed here are sent,
 * so a masked value shown is never written back.
 */
export const environmentPage: Page = (main, ctx) => {
  const form = h("form", { class: "card", "aria-label": "Outbound proxy" });
  main.append(h("h1", {}, "Environment"), h("p", { class: "muted" }, "The proxy for every call to an upstream (and OAuth servers). A proxy URL with a password is stored encrypted and shown masked."), form);
  let shown: AdminEnvironment | undefined;
  const render = (env: AdminEnvironment) => {
    shown = env;
    form.replaceChildren(
      h(
        "div",
        { class: "grid" },
        field("HTTP proxy", input("http_proxy", { value: env.http_proxy, placeholder: "http://proxy:3128" }), "For http:// upstreams; empty: none"),
        field("HTTPS proxy", input("https_proxy", { value: env.https_proxy, placeholder: "http://proxy:3128" }), "For https:// upstreams; empty: none"),
        field("No proxy", input("no_proxy", { value: env.no_proxy }), "Comma list of hosts and .suffixes never proxied"),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit" }, "Save"),
        button("Reset to defaults", async () => {
          try {
            render(await api<AdminEnvironment>("PATCH", "/environment", { http_proxy: null, https_proxy: null, no_proxy: null }));
            ctx.toast("Proxy settings reset");
          } catch (e) {
            ctx.toast((e as Error).message, "bad");
          }
        }, { class: "secondary" }),
      ),
    );
  };
  submitter(form, async () => {
    const v = formValues(form);
    const changes = Object.fromEntries(NAMES.filter((n) => v[n] !== shown?.[n]).map((n) => [n, v[n]]));
    if (Object.keys(changes).length === 0) {
      ctx.toast("Nothing changed");
      return;
    }
    render(await api<AdminEnvironment>("PATCH", "/environment", changes));
    ctx.toast("Proxy settings saved");
  });
  api<AdminEnvironment>("GET", "/environment").then(render, (e) => ctx.toast((e as Error).message, "bad"));
};
