import { GatewayError, invalidRequest } from "../errors.ts";

export interface JsonBody {
  text: string;
  json: Record<string, unknown>;
}

/** Reads and parses a request body within the configured size limit; errors name the problem. */
export async function readJsonBody(request: Request, limit: number): Promise<JsonBody> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const text = await request.text();
  if (text.length > limit && Buffer.byteLength(text) > limit) throw tooLarge(limit);
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

const tooLarge = (limit: number) =>
  new GatewayError(413, "request_too_large", `request body is larger than the gateway's limit of ${limit} bytes`);
