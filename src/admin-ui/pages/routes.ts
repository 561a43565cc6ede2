import { api } from "../api.ts";
import { badge, button, clear, field, formValues, h, input, numberOf, select, table } from "../dom.ts";
import type { Page, PageContext } from "../main.ts";
import type { ModelRoute } from "../types.ts";
import { confirmed, panel, submitter } from "./forms.ts";

const PROVIDERS: [string, string][] = [["", "any"], ...["anthropic", "openai", "azure", "gemini", "vertex", "openai-compatible", "mock"].map((p): [string, string] => [p, p])];

/**
 * Model routes in the order they are tried: lower priority first, then the more specific pattern (exact before
 * prefix*, longer prefixes first, * last). Moving a route up or down changes its priority.
 */
export const routesPage: Page = (main, ctx) => {
  const list = h("div");
  const refresh = async () => {
    try {
      renderList(list, await api<ModelRoute[]>("GET", "/routes"), ctx, refresh);
    } catch (e) {
      ctx.toast((e as Error).message, "bad");
    }
  };
  main.append(
    h("h1", {}, "Model routes"),
    h("p", { class: "muted" }, "A route renames a requested model and can pin a provider. Without routes, model names pass through unchanged."),
    list,
    addForm(ctx, refresh),
  );
  refresh();
};

const specificity = (p: string) => (p === "*" ? 0 : p.endsWith("*") ? p.length : 10_000);
export const routeOrder = (a: ModelRoute, b: ModelRoute) => a.priority - b.priority || specificity(b.source_model) - specificity(a.source_model);

function renderList(el: HTMLElement, routes: ModelRoute[], ctx: PageContext, refresh: () => void) {
  const sorted = [...routes].sort(routeOrder);
  const run = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      ctx.toast(done);
      refresh();
    } catch (e) {
      ctx.toast((e as Error).message, "bad");
    }
  };
  // Up: take the priority of the route before (one less when they share it); down likewise.
  const move = (i: number, dir: -1 | 1) => {
    const r = sorted[i]!;
    const other = sorted[i + dir]!;
    const target = other.priority === r.priority ? r.priority + dir : other.priority;
    const updates: Promise<unknown>[] = [api("PATCH", `/routes/${r.id}`, { priority: target })];
    if (other.priority !== r.priority) updates.push(api("PATCH", `/routes/${other.id}`, { priority: r.priority }));
    return run(() => Promise.all(updates), `Moved ${r.source_model} ${dir < 0 ? "up" : "down"}`);
  };
  clear(el);
  el.append(
    table(
      "Model routes in the order they are tried",
      ["#", "From", "To", "Provider", "Priority", "Enabled", "Actions"],
      sorted.map((r, i) => [
        String(i + 1),
        h("code", {}, r.source_model),
        h("code", {}, r.target_model),
        r.target_provider ?? "any",
        String(r.priority),
        badge(r.enabled ? "yes" : "no", r.enabled ? "ok" : "off"),
        h(
          "div",
          { class: "actions" },
          button("↑", () => move(i, -1), { class: "small secondary", "aria-label": `Move ${r.source_model} up`, disabled: i === 0 }),
          button("↓", () => move(i, 1), { class: "small secondary", "aria-label": `Move ${r.source_model} down`, disabled: i === sorted.length - 1 }),
          button(r.enabled ? "Disable" : "Enable", () => run(() => api("PATCH", `/routes/${r.id}`, { enabled: !r.enabled }), `${r.enabled ? "Disabled" : "Enabled"} ${r.source_model}`), {
            class: "small secondary",
            "aria-label": `${r.enabled ? "Disable" : "Enable"} route ${r.source_model}`,
          }),
          button(
            "Remove",
            () => {
              if (confirmed(`Remove the route ${r.source_model} → ${r.target_model}`)) run(() => api("DELETE", `/routes/${r.id}`), `Removed ${r.source_model}`);
            },
            { class: "small danger", "aria-label": `Remove route ${r.source_model}` },
          ),
        ),
      ]),
      "No model routes: requested model names pass through unchanged.",
    ),
  );
}

function addForm(ctx: PageContext, refresh: () => void): HTMLElement {
  const form = h(
    "form",
    { "aria-label": "Add a model route" },
    h(
      "div",
      { class: "grid" },
      field("From (requested model)", input("source_model", { required: true, placeholder: "gpt-4o*" }), "Exact name, prefix* or *"),
      field("To (model sent upstream)", input("target_model", { required: true, placeholder: "claude-sonnet-4-5" }), "* keeps the requested name"),
      field("Provider", select("target_provider", PROVIDERS)),
      field("Priority", input("priority", { type: "number", step: "1", value: "0" }), "Lower is tried first"),
    ),
    h("button", { type: "submit" }, "Add route"),
  );
  submitter(form, async () => {
    const v = formValues(form);
    await api("POST", "/routes", {
      source_model: v.source_model,
      target_model: v.target_model,
      ...(v.target_provider && { target_provider: v.target_provider }),
      priority: numberOf(v.priority),
    });
    form.reset();
    ctx.toast(`Added ${v.source_model} → ${v.target_model}`);
    refresh();
  });
  return panel("Add a route", form, true);
}
