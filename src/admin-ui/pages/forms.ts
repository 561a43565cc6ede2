import { ApiError } from "../api.ts";
import { h } from "../dom.ts";

/**
 * A form's submit: the button is disabled while the request runs, an API error is shown in the form's alert and
 * its field (the API's `param`) is marked invalid and focused, so a keyboard user lands on what to fix.
 */
export function submitter(form: HTMLFormElement, run: () => Promise<void>): void {
  const alert = h("p", { class: "error", role: "alert", hidden: true });
  form.appendChild(alert);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    alert.hidden = true;
    for (const el of Array.from(form.querySelectorAll("[aria-invalid]"))) el.removeAttribute("aria-invalid");
    const buttons = Array.from(form.querySelectorAll<HTMLButtonElement>("button[type=submit]"));
    for (const b of buttons) b.disabled = true;
    try {
      await run();
    } catch (err) {
      alert.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err);
      alert.hidden = false;
      const param = err instanceof ApiError ? err.param?.split(".")[0] : undefined;
      const control = param ? form.querySelector<HTMLElement>(`[name="${CSS.escape(param)}"]`) : null;
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.focus();
      }
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  });
}

/** A collapsible panel with a form (the "add" forms). */
export function panel(title: string, content: HTMLElement, open = false): HTMLDetailsElement {
  return h("details", { class: "card", open }, h("summary", {}, title), content);
}

/** Confirms a removal with the browser's own dialog (keyboard-operable, no custom modal to trap focus in). */
export const confirmed = (what: string) => window.confirm(`${what}? This cannot be undone.`);
