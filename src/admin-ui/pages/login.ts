import { api, ApiError } from "../api.ts";
import { field, h, input } from "../dom.ts";
import type { SessionAnswer } from "../types.ts";

/** Sign-in with a gateway key that has the admin permission. Nothing else signs in: no default password. */
export function loginPage(main: HTMLElement, signedIn: (s: SessionAnswer) => void): void {
  const key = input("key", { type: "password", autocomplete: "current-password", required: true, placeholder: "lgw_…" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    {
      class: "card login",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        error.hidden = true;
        submit.disabled = true;
        try {
          signedIn(await api<SessionAnswer>("POST", "/session", { key: key.value.trim() }));
        } catch (err) {
          error.textContent = err instanceof ApiError ? err.message : String(err);
          error.hidden = false;
          key.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h1", {}, "llm-gateway admin"),
    field("Admin key", key, "A gateway key with the admin permission. It is sent once to start a session and never stored by the browser."),
    error,
    submit,
    h(
      "p",
      { class: "muted small" },
      "No admin key yet? On the gateway's machine run ",
      h("code", {}, "llm-gateway apikey add --name admin --permissions admin"),
      " and paste the key it prints.",
    ),
  );
  main.appendChild(form);
  key.focus();
}
