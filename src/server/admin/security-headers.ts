/**
 * Headers on every admin page, asset and API answer. The policy allows nothing from elsewhere and nothing inline:
 * scripts and styles are the bundled files the gateway serves itself, the API calls go to the gateway itself, and
 * no page may frame the UI.
 */
export const ADMIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const ADMIN_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": ADMIN_CSP,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};
