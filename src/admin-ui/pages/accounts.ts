import { api } from "../api.ts";
import { badge, button, clear, field, fmtUsd, formValues, h, healthTone, input, listOf, numberOf, select, table } from "../dom.ts";
import type { Page, PageContext } from "../main.ts";
import type { AdminAccount, OAuthLogin } from "../types.ts";
import { confirmed, panel, submitter } from "./forms.ts";

const PROVIDERS: [string, string][] = [
  ["anthropic", "Anthropic"],
  ["openai", "OpenAI"],
  ["azure", "Azure OpenAI"],
  ["gemini", "Gemini"],
  ["vertex", "Vertex AI (service account)"],
  ["openai-compatible", "OpenAI-compatible"],
  ["mock", "Mock (answers locally)"],
];

/** Upstream accounts: health, enable/disable/remove, limits, an API-key account, an OAuth login from the browser. */
export const accountsPage: Page = (main, ctx) => {
  const list = h("div");
  const editBox = h("div");
  const loginBox = h("div", { class: "oauth-login", "aria-live": "polite" });
  let stopLogin: (() => void) | undefined;
  const refresh = async () => {
    try {
      renderList(list, editBox, await api<AdminAccount[]>("GET", "/accounts"), ctx, refresh, (account) => startLogin({ account_id: account.id }));
    } catch (e) {
      ctx.toast((e as Error).message, "bad");
    }
  };
  const startLogin = async (body: Record<string, unknown>) => {
    stopLogin?.();
    const login = await api<OAuthLogin>("POST", "/oauth/logins", body);
    stopLogin = showLogin(loginBox, login, ctx, refresh);
    refresh();
  };
  main.append(h("h1", {}, "Accounts"), list, editBox, addApiKeyForm(ctx, refresh), addOAuthForm(startLogin), loginBox);
  refresh();
  const timer = setInterval(refresh, 10_000);
  return () => {
    clearInterval(timer);
    stopLogin?.();
  };
};

function renderList(el: HTMLElement, editBox: HTMLElement, accounts: AdminAccount[], ctx: PageContext, refresh: () => void, relogin: (a: AdminAccount) => void) {
  const act = (label: string, run: () => Promise<unknown>, done: string, props: Record<string, string> = {}) =>
    button(
      label,
      async () => {
        try {
          await run();
          ctx.toast(done);
          refresh();
        } catch (e) {
          ctx.toast((e as Error).message, "bad");
        }
      },
      { class: "small secondary", ...props },
    );
  clear(el);
  el.append(
    table(
      "Upstream accounts",
      ["Name", "Provider", "Status", "Health", "Key / login", "Models", "Weight · priority", "Spend caps", "Actions"],
      accounts.map((a) => [
        h("span", {}, h("strong", {}, a.name), h("br"), h("small", { class: "muted" }, a.id)),
        `${a.provider}${a.type === "oauth" ? " (OAuth)" : ""}`,
        badge(a.status, a.status === "active" ? "ok" : "off"),
        h("span", {}, badge(a.health.state, healthTone(a.health.state)), a.health.detail ? h("small", { class: "block muted" }, a.health.detail) : null),
        a.oauth ? badge(a.oauth.state, healthTone(a.oauth.state)) : h("code", {}, a.api_key ?? "(none)"),
        a.models?.join(", ") ?? "provider default",
        `${a.weight} · ${a.priority}`,
        `${a.spend_cap_usd_daily !== undefined ? `${fmtUsd(a.spend_cap_usd_daily)}/day ` : ""}${a.spend_cap_usd_monthly !== undefined ? `${fmtUsd(a.spend_cap_usd_monthly)}/month` : ""}` || "none",
        h(
          "div",
          { class: "actions" },
          a.status === "active"
            ? act("Disable", () => api("PATCH", `/accounts/${a.id}`, { status: "disabled" }), `Disabled ${a.name}`, { "aria-label": `Disable ${a.name}` })
            : act("Enable", () => api("PATCH", `/accounts/${a.id}`, { status: "active" }), `Enabled ${a.name}`, { "aria-label": `Enable ${a.name}` }),
          button("Edit", () => editBox.replaceChildren(editForm(a, ctx, refresh)), { class: "small secondary", "aria-label": `Edit ${a.name}` }),
          a.type === "oauth" ? button("Log in", () => relogin(a), { class: "small secondary", "aria-label": `Log ${a.name} in again` }) : null,
          button(
            "Remove",
            async () => {
              if (!confirmed(`Remove the account ${a.name}`)) return;
              try {
                await api("DELETE", `/accounts/${a.id}`);
                ctx.toast(`Removed ${a.name}`);
                refresh();
              } catch (e) {
                ctx.toast((e as Error).message, "bad");
              }
            },
            { class: "small danger", "aria-label": `Remove ${a.name}` },
          ),
        ),
      ]),
      "No upstream accounts yet.",
    ),
  );
}

function capFields(daily?: number, monthly?: number) {
  return [
    field("Spend cap per day (USD)", input("spend_cap_usd_daily", { type: "number", min: "0", step: "any", inputmode: "decimal", value: daily }), "Past it the account leaves rotation until the next UTC day"),
    field("Spend cap per month (USD)", input("spend_cap_usd_monthly", { type: "number", min: "0", step: "any", inputmode: "decimal", value: monthly })),
  ];
}

function editForm(a: AdminAccount, ctx: PageContext, refresh: () => void): HTMLElement {
  const form = h(
    "form",
    { class: "card", id: "edit-account", "aria-label": `Edit ${a.name}` },
    h("h2", {}, `Edit ${a.name}`),
    h(
      "div",
      { class: "grid" },
      field("Name", input("name", { value: a.name, required: true })),
      field("Models", input("models", { value: a.models?.join(", ") ?? "" }), "Comma list: exact, prefix* or *; empty: the provider's default"),
      field("Weight", input("weight", { type: "number", min: "0", step: "1", value: a.weight })),
      field("Priority", input("priority", { type: "number", step: "1", value: a.priority }), "Lower is tried first"),
      ...capFields(a.spend_cap_usd_daily, a.spend_cap_usd_monthly),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save"), button("Cancel", () => form.remove(), { class: "secondary" })),
  );
  submitter(form, async () => {
    const v = formValues(form);
    await api("PATCH", `/accounts/${a.id}`, {
      name: v.name,
      models: listOf(v.models) ?? null,
      weight: numberOf(v.weight),
      priority: numberOf(v.priority),
      spend_cap_usd_daily: numberOf(v.spend_cap_usd_daily) ?? null,
      spend_cap_usd_monthly: numberOf(v.spend_cap_usd_monthly) ?? null,
    });
    ctx.toast(`Saved ${v.name}`);
    form.remove();
    refresh();
  });
  queueMicrotask(() => form.querySelector<HTMLInputElement>("input")?.focus());
  return form;
}

function addApiKeyForm(ctx: PageContext, refresh: () => void): HTMLElement {
  const provider = select("provider", PROVIDERS, "anthropic");
  const apiVersion = field("API version (Azure)", input("api_version", { placeholder: "2024-10-21" }));
  const geminiApi = field("Gemini API", select("gemini_api", [["native", "native (generateContent)"], ["openai-compatible", "Google's OpenAI-compatible endpoint"]]));
  const apiKey = field("API key", input("api_key", { type: "password", autocomplete: "new-password" }), "Stored encrypted; shown masked from now on. Not needed for mock and local OpenAI-compatible servers");
  const serviceAccount = field(
    "Service account JSON key",
    h("textarea", { name: "api_key", rows: 4, spellcheck: "false", autocomplete: "off" }) as HTMLTextAreaElement,
    "The key file's whole text; stored encrypted",
  );
  const vertexFields = [field("Project", input("project"), "Default: the key's project_id"), field("Region", input("region", { placeholder: "global" }), "e.g. us-central1; default: global")];
  // Only the fields of the chosen provider are shown and sent (a hidden control is disabled, so formValues skips it).
  const show = (el: HTMLElement, on: boolean) => {
    el.hidden = !on;
    for (const c of Array.from(el.querySelectorAll<HTMLInputElement>("input, select, textarea"))) c.disabled = !on;
  };
  const syncAzure = () => {
    const p = provider.value;
    show(apiVersion, p === "azure");
    show(geminiApi, p === "gemini");
    show(apiKey, p !== "vertex");
    show(serviceAccount, p === "vertex");
    for (const f of vertexFields) show(f, p === "vertex");
  };
  provider.addEventListener("change", syncAzure);
  syncAzure();
  const form = h(
    "form",
    { "aria-label": "Add an API-key account" },
    h(
      "div",
      { class: "grid" },
      field("Name", input("name", { required: true })),
      field("Provider", provider),
      apiKey,
      serviceAccount,
      ...vertexFields,
      geminiApi,
      field("Base URL", input("base_url", { type: "url", placeholder: "https://…" }), "Needed for Azure and OpenAI-compatible servers"),
      field("Models", input("models", { placeholder: "claude-*, gpt-4o" }), "Comma list: exact, prefix* or *; empty: the provider's default"),
      field("Weight", input("weight", { type: "number", min: "0", step: "1", value: "1" })),
      field("Priority", input("priority", { type: "number", step: "1", value: "0" }), "Lower is tried first"),
      apiVersion,
      ...capFields(),
    ),
    h("button", { type: "submit" }, "Add account"),
  );
  submitter(form, async () => {
    const v = formValues(form);
    const added = await api<AdminAccount>("POST", "/accounts", {
      name: v.name,
      provider: v.provider,
      ...(v.api_key && { api_key: v.api_key }),
      ...(v.base_url && { base_url: v.base_url }),
      ...(listOf(v.models) && { models: listOf(v.models) }),
      weight: numberOf(v.weight),
      priority: numberOf(v.priority),
      ...(v.api_version && { api_version: v.api_version }),
      ...(v.gemini_api && { gemini_api: v.gemini_api }),
      ...(v.project && { project: v.project }),
      ...(v.region && { region: v.region }),
      spend_cap_usd_daily: numberOf(v.spend_cap_usd_daily),
      spend_cap_usd_monthly: numberOf(v.spend_cap_usd_monthly),
    });
    form.reset();
    syncAzure();
    ctx.toast(`Added ${added.name}`);
    refresh();
  });
  return panel("Add an API-key account", form);
}

function addOAuthForm(start: (body: Record<string, unknown>) => Promise<void>): HTMLElement {
  const form = h(
    "form",
    { "aria-label": "Add an OAuth account" },
    h(
      "div",
      { class: "grid" },
      field("Name", input("name", { required: true })),
      field(
        "Provider",
        select("provider", [
          ["anthropic", "Anthropic (paste the code the page shows)"],
          ["openai-compatible", "Qwen (device code)"],
        ]),
      ),
      field("Models", input("models"), "Comma list; empty: the provider's default"),
    ),
    h("button", { type: "submit" }, "Start login"),
  );
  submitter(form, async () => {
    const v = formValues(form);
    await start({ name: v.name, provider: v.provider, ...(listOf(v.models) && { models: listOf(v.models) }) });
    form.reset();
  });
  return panel("Add an OAuth account (log in from this browser)", form);
}

/** A login in progress: the code-paste form, or the device code with the gateway polling; returns its stopper. */
function showLogin(box: HTMLElement, login: OAuthLogin, ctx: PageContext, refresh: () => void): () => void {
  clear(box);
  let timer: ReturnType<typeof setInterval> | undefined;
  const status = h("p", { class: "muted" }, "Waiting for approval…");
  const done = (l: OAuthLogin) => {
    clearInterval(timer);
    if (l.status === "logged_in") {
      clear(box);
      ctx.toast("Logged in: the account's tokens are stored encrypted.");
    } else {
      status.textContent = `The login failed: ${l.error ?? "unknown reason"}. Start it again.`;
      status.className = "error";
    }
    refresh();
  };
  if (login.flow === "code-paste") {
    const code = input("code", { required: true, placeholder: "CODE#STATE" });
    const form = h(
      "form",
      { class: "card", "aria-label": "Finish the OAuth login" },
      h("h2", {}, "Finish the login"),
      h(
        "ol",
        {},
        h("li", {}, "Open ", h("a", { href: login.authorize_url!, target: "_blank", rel: "noopener noreferrer" }, "the provider's authorize page"), " and approve."),
        h("li", {}, "Paste the code the page shows (CODE#STATE) here."),
      ),
      field("Code", code),
      h("button", { type: "submit" }, "Finish login"),
    );
    submitter(form, async () => {
      done(await api<OAuthLogin>("POST", `/oauth/logins/${login.id}/code`, { code: code.value.trim() }));
    });
    box.appendChild(form);
    code.focus();
  } else {
    box.appendChild(
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Approve the device login"),
        h("p", {}, "Open ", h("a", { href: login.verification_uri_complete ?? login.verification_uri!, target: "_blank", rel: "noopener noreferrer" }, login.verification_uri!), " and enter the code"),
        h("p", { class: "user-code" }, login.user_code!),
        status,
      ),
    );
    timer = setInterval(async () => {
      try {
        const l = await api<OAuthLogin>("GET", `/oauth/logins/${login.id}`);
        if (l.status !== "waiting") done(l);
      } catch (e) {
        clearInterval(timer);
        status.textContent = (e as Error).message;
      }
    }, 2000);
  }
  return () => clearInterval(timer);
}
