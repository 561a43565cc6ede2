/** The client's `x-request-id` when it is a sane token, else a new one; echoed on every response. */
const SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * New ids: a random per-process prefix and a counter, unique across instances and restarts (the prefix has 64
 * random bits) and cheaper than a UUID per request. Request ids identify, they authorise nothing: nobody needs to
 * be unable to guess the next one.
 */
const PREFIX = `req_${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}`;
let counter = 0;

export const newRequestId = () => `${PREFIX}${(++counter).toString(36).padStart(8, "0")}`;

export function requestIdOf(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given && SAFE.test(given) ? given : newRequestId();
}
