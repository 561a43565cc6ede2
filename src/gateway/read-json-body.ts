import { GatewayError, invalidRequest } from "../errors.ts";

export interface JsonBody {
  text: string;
  json: Record<string, unknown>;
}

/**
 * Reads and parses a request body within the configured size limit; errors name the problem.
 * This is the body limit: Bun's own is set out of reach (src/runtime/start-server.ts), because Bun answers a body
 * over it with a bare 413 (no body, no request id, no log line). A declared Content-Length over the limit is refused
 * before a byte is read; a chunked body is refused as soon as what arrived passes the limit. Any other body (a
 * declared length within the limit, or a Request made in process) is read with `request.text()`: the cheapest way
 * to one string (a 30 MB body peaks at about twice its size while read), which JSON.parse then shares, not copies.
 */
export async function readJsonBody(request: Request, limit: number): Promise<JsonBody> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= limit)) throw tooLarge(limit);
  let text: string;
  try {
    text = request.headers.has("transfer-encoding") ? await readUnsized(request, limit) : await request.text();
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    throw invalidRequest(`request body could not be read: ${(e as Error)?.message ?? e}`);
  }
  // Without a declared length (a Request made in process) the limit is checked once read; UTF-8 takes at most
  // three bytes per UTF-16 unit, so only a long text is measured.
  if (declared === null && text.length * 3 > limit && Buffer.byteLength(text) > limit) throw tooLarge(limit);
  if (!text) throw invalidRequest("request body is empty; expected a JSON object");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) throw invalidRequest("request body must be a JSON object");
  return { text, json: json as Record<string, unknown> };
}

/** A body of unknown length, read piece by piece up to the limit. */
async function readUnsized(request: Request, limit: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/** `connection: close`: the rest of the body is never read, so the connection is not kept for another request. */
const tooLarge = (limit: number) =>
  new GatewayError(413, "request_too_large", `request body is larger than the gateway's limit of ${limit} bytes`, {
    headers: { connection: "close" },
  });
