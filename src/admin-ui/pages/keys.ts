import { api } from "../api.ts";
import { badge, button, clear, field, fmtDate, fmtUsd, formValues, h, input, listOf, numberOf, table } from "../dom.ts";
import type { Page, PageContext } from "../main.ts";
import type { AdminKey } from "../types.ts";
import { confirmed, panel, submitter } from "./forms.ts";

/** Gateway keys: create (the key shown once), disable/enable, limits, remove. */
export const keysPage: Page = (main, ctx) => {
  const list = h("div");
  const editBox = h("div");
  const created = h("div", { "aria-live": "polite" });
  const refresh = async () => {
    try {
      renderList(list, editBox, await api<AdminKey[]>("GET", "/keys"), ctx, refresh);
    } catch (e) {
      ctx.toast((e as Error).message, "bad");
    }
  };
  main.append(h("h1", {}, "Gateway keys"), created, list, editBox, createForm(ctx, created, refresh));
  refresh();
};

const limitText = (k: AdminKey) =>
  [
    k.rate_limit_rpm ? `${k.rate_limit_rpm} rpm` : "",
    k.rate_limit_tpm ? `${k.rate_limit_tpm} tpm` : "",
    k.budget_usd_daily !== undefined ? `${fmtUsd(k.budget_usd_daily)}/day` : "",
    k.budget_usd_monthly !== undefined ? `${fmtUsd(k.budget_usd_monthly)}/month` : "",
  ]
    .filter(Boolean)
    .join(", ") || "none";

function renderList(el: HTMLElement, editBox: HTMLElement, keys: AdminKey[], ctx: PageContext, refresh: () => void) {
  const act = (label: string, name: string, run: () => Promise<unknown>, done: string, tone = "secondary") =>
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
      { class: `small ${tone}`, "aria-label": `${label} ${name}` },
    );
  clear(el);
  el.append(
    table(
      "Gateway keys",
      ["Name", "Prefix", "Permissions", "State", "Limits", "Models", "Expires", "Actions"],
      keys.map((k) => [
        h("span", {}, h("strong", {}, k.name), h("br"), h("small", { class: "muted" }, k.id)),
        h("code", {}, `${k.key_prefix}…`),
        k.permissions.join(", "),
        badge(k.state, k.state === "active" ? "ok" : k.state === "disabled" ? "off" : "bad"),
        limitText(k),
        k.allowed_models?.join(", ") ?? "every model",
        fmtDate(k.expires_at),
        h(
          "div",
          { class: "actions" },
          k.status === "active"
            ? act("Disable", k.name, () => api("PATCH", `/keys/${k.id}`, { status: "disabled" }), `Disabled ${k.name}: its requests are refused`)
            : act("Enable", k.name, () => api("PATCH", `/keys/${k.id}`, { status: "active" }), `Enabled ${k.name}`),
          button("Edit", () => editBox.replaceChildren(editForm(k, ctx, refresh)), { class: "small secondary", "aria-label": `Edit ${k.name}` }),
          button(
            "Remove",
            async () => {
              if (!confirmed(`Remove the key ${k.name}`)) return;
              try {
                await api("DELETE", `/keys/${k.id}`);
                ctx.toast(`Removed ${k.name}`);
                refresh();
              } catch (e) {
                ctx.toast((e as Error).message, "bad");
              }
            },
            { class: "small danger", "aria-label": `Remove ${k.name}` },
          ),
        ),
      ]),
      "No gateway keys.",
    ),
  );
}

function permissionBoxes(current: string[]): HTMLElement {
  return h(
    "fieldset",
    { class: "field" },
    h("legend", {}, "Permissions"),
    ...(["read", "write", "admin"] as const).map((p) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "permissions", value: p, checked: current.includes(p) }), ` ${p}`),
    ),
    h("small", { class: "hint" }, "read: /v1/models, counting tokens; write: the LLM routes; admin: this UI, /metrics, the admin API"),
  );
}

function limitFields(k?: AdminKey) {
  return [
    field("Requests per minute", input("rate_limit_rpm", { type: "number", min: "0", step: "1", value: k?.rate_limit_rpm }), "Empty or 0: unlimited"),
    field("Tokens per minute", input("rate_limit_tpm", { type: "number", min: "0", step: "1", value: k?.rate_limit_tpm }), "Input + output; empty or 0: unlimited"),
    field("Budget per day (USD)", input("budget_usd_daily", { type: "number", min: "0", step: "any", inputmode: "decimal", value: k?.budget_usd_daily })),
    field("Budget per month (USD)", input("budget_usd_monthly", { type: "number", min: "0", step: "any", inputmode: "decimal", value: k?.budget_usd_monthly })),
    field("Allowed models", input("allowed_models", { value: k?.allowed_models?.join(", ") ?? "", placeholder: "claude-*, gpt-4o" }), "Comma list: exact, prefix* or *; empty: every model"),
  ];
}

function createForm(ctx: PageContext, shown: HTMLElement, refresh: () => void): HTMLElement {
  const form = h(
    "form",
    { "aria-label": "Create a gateway key" },
    h(
      "div",
      { class: "grid" },
      field("Name", input("name", { required: true })),
      permissionBoxes(["read", "write"]),
      field("Expires in (days)", input("expires_in_days", { type: "number", min: "1", step: "1" }), "Empty: never"),
      ...limitFields(),
    ),
    h("button", { type: "submit" }, "Create key"),
  );
  submitter(form, async () => {
    const v = formValues(form);
    const days = numberOf(v.expires_in_days);
    const res = await api<{ key: AdminKey; secret: string }>("POST", "/keys", {
      name: v.name,
      permissions: listOf(v.permissions) ?? [],
      ...(days !== undefined && { expires_at: new Date(Date.now() + days * 86_400_000).toISOString() }),
      rate_limit_rpm: numberOf(v.rate_limit_rpm),
      rate_limit_tpm: numberOf(v.rate_limit_tpm),
      budget_usd_daily: numberOf(v.budget_usd_daily),
      budget_usd_monthly: numberOf(v.budget_usd_monthly),
      ...(listOf(v.allowed_models) && { allowed_models: listOf(v.allowed_models) }),
    });
    form.reset();
    showOnce(shown, res.key, res.secret);
    refresh();
  });
  return panel("Create a gateway key", form, true);
}

/** The new key, shown this once: a read-only field to copy from, gone when dismissed or the page changes. */
function showOnce(box: HTMLElement, key: AdminKey, secret: string) {
  const value = h("input", { type: "text", readonly: true, value: secret, id: "new-key", class: "secret", "aria-describedby": "new-key-note" });
  const copy = button("Copy", async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copy.textContent = "Copied";
    } catch {
      value.select();
    }
  });
  box.replaceChildren(
    h(
      "div",
      { class: "card once", role: "alert" },
      h("h2", {}, `Key ${key.name} created`),
      h("label", { for: "new-key" }, "The new key"),
      h("div", { class: "row" }, value, copy),
      h("p", { id: "new-key-note", class: "warn-text" }, "Store it now: it is shown only this once. The gateway keeps only its SHA-256."),
      button("Done", () => clear(box), { class: "secondary" }),
    ),
  );
  value.focus();
  value.select();
}

function editForm(k: AdminKey, ctx: PageContext, refresh: () => void): HTMLElement {
  const form = h(
    "form",
    { class: "card", "aria-label": `Edit ${k.name}` },
    h("h2", {}, `Edit ${k.name}`),
    h("div", { class: "grid" }, field("Name", input("name", { value: k.name, required: true })), permissionBoxes(k.permissions), ...limitFields(k)),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save"), button("Cancel", () => form.remove(), { class: "secondary" })),
  );
  submitter(form, async () => {
    const v = formValues(form);
    await api("PATCH", `/keys/${k.id}`, {
      name: v.name,
      permissions: listOf(v.permissions) ?? [],
      rate_limit_rpm: numberOf(v.rate_limit_rpm) ?? null,
      rate_limit_tpm: numberOf(v.rate_limit_tpm) ?? null,
      budget_usd_daily: numberOf(v.budget_usd_daily) ?? null,
      budget_usd_monthly: numberOf(v.budget_usd_monthly) ?? null,
      allowed_models: listOf(v.allowed_models) ?? null,
    });
    ctx.toast(`Saved ${v.name}`);
    form.remove();
    refresh();
  });
  queueMicrotask(() => form.querySelector<HTMLInputElement>("input")?.focus());
  return form;
}
