/** The client's `x-request-id` when it is a sane token, else a new one; echoed on every response. */
const SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given && SAFE.test(given) ? given : `req_${crypto.randomUUID().replaceAll("-", "")}`;
}
