/**
 * Building the page without innerHTML: every text goes in as a text node, so nothing from the API (names, model
 * patterns, error messages) is ever parsed as markup. No inline styles either (the CSP allows none).
 */
type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, "").toLowerCase(), value as EventListener);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let ids = 0;
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** A labelled input, select or textarea; `hint` is tied to it with aria-describedby. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id ||= uid("f");
  const hintEl = hint ? h("small", { id: uid("hint"), class: "hint" }, hint) : undefined;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hintEl);
}

export function input(name: string, props: Props = {}): HTMLInputElement {
  return h("input", { name, type: "text", autocomplete: "off", spellcheck: "false", ...props });
}

export function select(name: string, options: [string, string][], value?: string): HTMLSelectElement {
  const s = h("select", { name }, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
  return s;
}

export function button(label: string, onClick: (e: Event) => void, props: Props = {}): HTMLButtonElement {
  return h("button", { type: "button", onclick: onClick, ...props }, label);
}

/** A table inside a scroll box (wide tables scroll sideways on a phone, the page does not). */
export function table(caption: string, head: string[], rows: Child[][], empty: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "muted" }, empty);
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
    ),
  );
}

export function badge(text: string, tone: "ok" | "warn" | "bad" | "off"): HTMLElement {
  return h("span", { class: `badge ${tone}` }, text);
}

export const healthTone = (state: string): "ok" | "warn" | "bad" | "off" =>
  state === "healthy" || state === "active" || state === "authorized" || state === "logged_in"
    ? "ok"
    : state === "disabled"
      ? "off"
      : state === "auth_failed" || state === "circuit_open" || state === "expired" || state === "needs_reauth" || state === "failed"
        ? "bad"
        : "warn";

export const fmtInt = (n: number) => n.toLocaleString("en-US");
export const fmtUsd = (n: number | null | undefined) => (n === null || n === undefined ? "–" : `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`);
export const fmtMs = (n: number | null | undefined) => (n === null || n === undefined ? "–" : n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`);
export const fmtTime = (iso: string) => new Date(iso).toLocaleTimeString("en-GB", { hour12: false });
export const fmtDate = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString("en-GB", { hour12: false }) : "never");

/** Reads a form's named controls as trimmed strings (unchecked checkboxes left out). */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const el of Array.from(form.elements)) {
    const c = el as HTMLInputElement;
    if (c.tagName === "FIELDSET") continue;
    if (!c.name || c.disabled) continue;
    if (c.type === "checkbox") {
      if (c.checked) out[c.name] = out[c.name] ? `${out[c.name]},${c.value}` : c.value;
    } else out[c.name] = c.value.trim();
  }
  return out;
}

/** "a, b*" → ["a", "b*"]; empty → undefined. */
export const listOf = (v: string | undefined) => {
  const list = (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
};
/** "" → undefined, else a number (NaN stays NaN: the API names the field). */
export const numberOf = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
