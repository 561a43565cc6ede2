/**
 * The admin API as the UI calls it: same origin, the session cookie (HttpOnly: scripts never see it) and the
 * session's CSRF token on every change. A 401 means the session ended: back to the sign-in page.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onSignedOut: () => void = () => {};

export const setCsrfToken = (token: string | undefined) => (csrfToken = token);
export const whenSignedOut = (fn: () => void) => (onSignedOut = fn);

export async function api<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/admin/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-store" });
  } catch {
    throw new ApiError(0, "the gateway does not answer");
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json?.error?.message ?? `${res.status} ${res.statusText}`, json?.error?.param ?? undefined);
    if (res.status === 401 && path !== "/session") onSignedOut();
    throw err;
  }
  return json as T;
}
