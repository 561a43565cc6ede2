/**
 * A fake Gemini API for cross-module tests: one Bun server on 127.0.0.1:0 that checks requests the way Google's
 * Generative Language API does and answers from a queue of scripted replies (a default echo otherwise).
 *
 * What it refuses, as the real API does (status 400 INVALID_ARGUMENT unless said):
 *  - a missing key (403 PERMISSION_DENIED) or a wrong one (400 with reason API_KEY_INVALID), the key being read
 *    from `x-goog-api-key` only (a key in `?key=` would end up in logs, and the gateway never sends one);
 *  - unknown field names at any level it models ("Invalid JSON payload received. Unknown name …"), which is
 *    where `stream`, `model` or OpenAI-isms in a body fail;
 *  - roles other than user/model, parts with no or several data fields, `args`/`response` that are not objects;
 *  - a function-response turn whose count differs from the calls of the model turn before it;
 *  - for thinking models (`gemini-3*`), a function call of the current turn (after the last user text) whose
 *    first call carries no thought signature, or a signature this fake never issued (other than Google's
 *    documented skip value);
 *  - `parameters` with keywords outside the OpenAPI subset (`additionalProperties`, `$schema`, `const`, type lists);
 *  - a streaming call without `alt=sse` is answered as the JSON array stream.
 * It issues a thought signature on every function call and on the text of every answer from a `gemini-3*` model.
 *
 * With `vertex`, it is Vertex AI instead: paths `/v1/projects/{project}/locations/{region}/publishers/google/models/
 * {model}:{method}` for that project and region only, an OAuth bearer token (401 UNAUTHENTICATED otherwise) instead
 * of an API key, and countTokens taking the request's fields at the top level (no `generateContentRequest`).
 */

export interface GeminiRecordedRequest {
  method: string;
  path: string;
  model: string;
  method_name: string;
  headers: Record<string, string>;
  body: any;
}

export type GeminiReply =
  /** `unsigned`: no thought signature on the calls, even from a thinking model (history from elsewhere, say). */
  | { parts: Record<string, unknown>[]; finishReason?: string; usage?: Record<string, number>; unsigned?: boolean }
  | { status: number; error: { message: string; status: string; details?: unknown[] } };

export interface FakeGemini {
  url: string;
  requests: GeminiRecordedRequest[];
  last(): GeminiRecordedRequest;
  enqueue(...replies: GeminiReply[]): void;
  clearQueue(): void;
  /** Signatures this fake put on its answers, in order. */
  issued: string[];
  stop(): Promise<void>;
}

export const SKIP = "skip_thought_signature_validator";

const PART_DATA = ["text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"];
const FIELDS: Record<string, Set<string>> = {
  request: new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent", "labels"]),
  content: new Set(["role", "parts"]),
  part: new Set([...PART_DATA, "thought", "thoughtSignature", "videoMetadata", "partMetadata"]),
  generationConfig: new Set([
    "temperature", "topP", "topK", "maxOutputTokens", "candidateCount", "stopSequences", "presencePenalty", "frequencyPenalty",
    "seed", "responseMimeType", "responseSchema", "responseJsonSchema", "responseLogprobs", "logprobs", "thinkingConfig",
    "responseModalities", "mediaResolution", "speechConfig", "enableEnhancedCivicAnswers", "imageConfig",
  ]),
  thinkingConfig: new Set(["thinkingBudget", "includeThoughts", "thinkingLevel"]),
  tool: new Set(["functionDeclarations", "googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext", "computerUse", "fileSearch", "googleMaps"]),
  functionDeclaration: new Set(["name", "description", "parameters", "parametersJsonSchema", "response", "responseJsonSchema", "behavior"]),
  toolConfig: new Set(["functionCallingConfig", "retrievalConfig"]),
  functionCallingConfig: new Set(["mode", "allowedFunctionNames"]),
  functionCall: new Set(["name", "args", "id"]),
  functionResponse: new Set(["name", "response", "id", "willContinue", "scheduling", "parts"]),
};
/** The OpenAPI subset `parameters` takes. */
const SCHEMA_KEYS = new Set([
  "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
  "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
  "default", "items", "minimum", "maximum",
]);

class Invalid extends Error {}

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const snakeOf = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isObj = (v: unknown): v is Record<string, any> => v !== null && typeof v === "object" && !Array.isArray(v);

function checkFields(o: unknown, kind: string, where: string) {
  if (!isObj(o)) throw new Invalid(`Invalid value at '${where}', expected an object`);
  for (const k of Object.keys(o)) {
    if (!FIELDS[kind]!.has(camel(k))) throw new Invalid(`Invalid JSON payload received. Unknown name "${k}" at '${where}': Cannot find field.`);
  }
}
const get = (o: Record<string, any>, k: string) => o[k] ?? o[snakeOf(k)];

function checkSchema(s: unknown, where: string) {
  if (!isObj(s)) return;
  for (const k of Object.keys(s)) {
    if (!SCHEMA_KEYS.has(k)) throw new Invalid(`Invalid JSON payload received. Unknown name "${k}" at '${where}': Cannot find field.`);
  }
  if (Array.isArray(s.type)) throw new Invalid(`Invalid JSON payload received. Proto field is not repeating, cannot start list at '${where}.type'.`);
  if (isObj(s.properties)) for (const [n, p] of Object.entries(s.properties)) checkSchema(p, `${where}.properties[${n}].value`);
  if (s.items) checkSchema(s.items, `${where}.items`);
  if (Array.isArray(s.anyOf)) s.anyOf.forEach((x: unknown, i: number) => checkSchema(x, `${where}.any_of[${i}]`));
}

function validate(body: unknown, model: string, issued: Set<string>) {
  checkFields(body, "request", "");
  const b = body as Record<string, any>;
  const contents = get(b, "contents");
  if (!Array.isArray(contents) || contents.length === 0) throw new Invalid("* GenerateContentRequest.contents: contents is not specified");
  const g = get(b, "generationConfig");
  if (g !== undefined) {
    checkFields(g, "generationConfig", "generation_config");
    const t = get(g, "thinkingConfig");
    if (t !== undefined) checkFields(t, "thinkingConfig", "generation_config.thinking_config");
    const max = get(g, "maxOutputTokens");
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw new Invalid("* GenerateContentRequest.generation_config.max_output_tokens: must be positive");
    const stop = get(g, "stopSequences");
    if (Array.isArray(stop) && stop.length > 5) throw new Invalid("* GenerateContentRequest.generation_config.stop_sequences: at most 5");
    if (get(g, "responseSchema") !== undefined && get(g, "responseJsonSchema") !== undefined) throw new Invalid("responseSchema and responseJsonSchema cannot both be set");
  }
  const sys = get(b, "systemInstruction");
  if (sys !== undefined) checkFields(sys, "content", "system_instruction");
  for (const [i, t] of (get(b, "tools") ?? []).entries()) {
    checkFields(t, "tool", `tools[${i}]`);
    for (const [j, d] of (get(t, "functionDeclarations") ?? []).entries()) {
      checkFields(d, "functionDeclaration", `tools[${i}].function_declarations[${j}]`);
      if (d.parameters !== undefined && get(d, "parametersJsonSchema") !== undefined) throw new Invalid("parameters and parameters_json_schema cannot both be set");
      if (d.parameters !== undefined) checkSchema(d.parameters, `tools[${i}].function_declarations[${j}].parameters`);
    }
  }
  const tc = get(b, "toolConfig");
  if (tc !== undefined) {
    checkFields(tc, "toolConfig", "tool_config");
    const fc = get(tc, "functionCallingConfig");
    if (fc !== undefined) checkFields(fc, "functionCallingConfig", "tool_config.function_calling_config");
  }
  let lastCalls = 0;
  // The current turn: everything after the last user content that holds more than function responses.
  let currentFrom = 0;
  contents.forEach((c: any, i: number) => {
    if (c.role === "user" && (c.parts ?? []).some((p: any) => get(p, "functionResponse") === undefined)) currentFrom = i + 1;
  });
  contents.forEach((c: any, i: number) => {
    checkFields(c, "content", `contents[${i}]`);
    if (c.role !== undefined && c.role !== "user" && c.role !== "model") throw new Invalid(`Please use a valid role: user, model.`);
    const parts = c.parts ?? [];
    if (!Array.isArray(parts) || parts.length === 0) throw new Invalid(`* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`);
    let calls = 0;
    let responses = 0;
    let firstCall = true;
    parts.forEach((p: any, j: number) => {
      const where = `contents[${i}].parts[${j}]`;
      checkFields(p, "part", where);
      const data = Object.keys(p).map(camel).filter((k) => PART_DATA.includes(k));
      if (data.length !== 1 && !(data.length === 0 && get(p, "thoughtSignature") !== undefined)) {
        throw new Invalid(`* GenerateContentRequest.${where}.data: required oneof field 'data' must have one initialized field`);
      }
      const call = get(p, "functionCall");
      if (call !== undefined) {
        checkFields(call, "functionCall", `${where}.function_call`);
        if (!isObj(call.args ?? {})) throw new Invalid(`Invalid value at '${where}.function_call.args' (type.googleapis.com/google.protobuf.Struct)`);
        calls++;
        const sig = get(p, "thoughtSignature");
        if (/gemini-3/.test(model) && i >= currentFrom && c.role === "model") {
          if (firstCall && sig === undefined) throw new Invalid(`Function call \`${call.name}\` in the ${i + 1}. content block is missing a \`thought_signature\`.`);
        }
        if (sig !== undefined && sig !== SKIP && !issued.has(sig)) throw new Invalid("Corrupted thought signature.");
        firstCall = false;
      }
      const resp = get(p, "functionResponse");
      if (resp !== undefined) {
        checkFields(resp, "functionResponse", `${where}.function_response`);
        if (!isObj(resp.response)) throw new Invalid(`Invalid value at '${where}.function_response.response' (type.googleapis.com/google.protobuf.Struct)`);
        responses++;
      }
    });
    if (responses > 0 && responses !== lastCalls) {
      throw new Invalid("Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.");
    }
    lastCalls = c.role === "model" ? calls : 0;
  });
}

const errorBody = (code: number, message: string, status: string, details?: unknown[]) => ({ error: { code, message, status, ...(details ? { details } : {}) } });

export interface VertexMode {
  project: string;
  region: string;
  /** The access token currently valid (the fake token endpoint's latest). */
  token(): string | undefined;
}

export function startFakeGemini(opts: { key: string; vertex?: VertexMode }): FakeGemini {
  const requests: GeminiRecordedRequest[] = [];
  const queue: GeminiReply[] = [];
  const issued: string[] = [];
  const issuedSet = new Set<string>();
  let n = 0;
  const sign = () => {
    const s = Buffer.from(`fake-signature-${++n}-${crypto.randomUUID()}`).toString("base64");
    issued.push(s);
    issuedSet.add(s);
    return s;
  };

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k] = v));
      const vertex = opts.vertex;
      if (vertex) {
        const bearer = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1];
        if (!bearer || bearer !== vertex.token()) {
          requests.push({ method: req.method, path: url.pathname + url.search, model: "", method_name: "refused", headers, body: undefined });
          return Response.json(errorBody(401, "Request had invalid authentication credentials. Expected OAuth 2 access token.", "UNAUTHENTICATED"), { status: 401 });
        }
      }
      const key = req.headers.get("x-goog-api-key");
      if (!vertex && !key) return Response.json(errorBody(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.", "PERMISSION_DENIED"), { status: 403 });
      if (!vertex && key !== opts.key) {
        return Response.json(errorBody(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }]), { status: 400 });
      }
      if (req.method === "GET" && /^\/v1(beta)?\/models\/?$/.test(url.pathname)) {
        requests.push({ method: "GET", path: url.pathname + url.search, model: "", method_name: "list", headers, body: undefined });
        return Response.json({ models: [{ name: "models/gemini-2.5-flash", displayName: "Gemini 2.5 Flash", supportedGenerationMethods: ["generateContent", "countTokens"] }] });
      }
      const m = vertex
        ? new RegExp(`^/v1/projects/${vertex.project}/locations/${vertex.region}/publishers/google/models/([^/:]+):(generateContent|streamGenerateContent|countTokens)$`).exec(url.pathname)
        : /^\/v1(?:beta)?\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/.exec(url.pathname);
      if (req.method !== "POST" || !m) return Response.json(errorBody(404, `Not found: ${url.pathname}`, "NOT_FOUND"), { status: 404 });
      const model = decodeURIComponent(m[1]!);
      const method = m[2]!;
      let body: any;
      try {
        body = await req.json();
      } catch {
        return Response.json(errorBody(400, "Invalid JSON payload received.", "INVALID_ARGUMENT"), { status: 400 });
      }
      requests.push({ method: "POST", path: url.pathname + url.search, model, method_name: method, headers, body });
      try {
        if (method === "countTokens") {
          if (vertex && body.generateContentRequest !== undefined) throw new Invalid('Invalid JSON payload received. Unknown name "generateContentRequest": Cannot find field.');
          validate(body.generateContentRequest ?? body, model, issuedSet);
          return Response.json({ totalTokens: JSON.stringify(body).length >> 2 });
        }
        validate(body, model, issuedSet);
      } catch (e) {
        if (e instanceof Invalid) return Response.json(errorBody(400, e.message, "INVALID_ARGUMENT"), { status: 400 });
        throw e;
      }
      const reply: GeminiReply = queue.shift() ?? { parts: [{ text: "Hello from fake Gemini." }] };
      if ("error" in reply) return Response.json(errorBody(reply.status, reply.error.message, reply.error.status, reply.error.details), { status: reply.status });
      const thinking = /gemini-3/.test(model);
      // A real thinking model signs the first call of a step, and the last text part.
      let firstCall = true;
      const parts = reply.parts.map((p) => {
        if (p.functionCall && firstCall && !reply.unsigned) {
          firstCall = false;
          return { ...p, thoughtSignature: sign() };
        }
        return p;
      });
      const usage = reply.usage ?? { promptTokenCount: 12, candidatesTokenCount: 5, totalTokenCount: 17 };
      const responseId = `fake-${n}-${requests.length}`;
      const finishReason = reply.finishReason ?? "STOP";
      const chunk = (ps: unknown[], last: boolean) => ({
        candidates: [{ content: { role: "model", parts: ps }, ...(last ? { finishReason } : {}), index: 0 }],
        usageMetadata: last ? usage : { trafficType: "ON_DEMAND" },
        modelVersion: model,
        responseId,
      });
      if (method === "generateContent") {
        const all = thinking && !parts.some((p) => p.functionCall) ? [...parts, { text: "", thoughtSignature: sign() }] : parts;
        return Response.json(chunk(all, true));
      }
      // Streams: each part its own chunk, text split in two; the last chunk carries finishReason and usage.
      const chunks: unknown[] = [];
      for (const p of parts) {
        if (typeof p.text === "string" && p.text.length > 1) {
          const half = Math.ceil(p.text.length / 2);
          chunks.push(chunk([{ ...p, text: p.text.slice(0, half) }], false), chunk([{ ...p, text: p.text.slice(half) }], false));
        } else chunks.push(chunk([p], false));
      }
      chunks.push(chunk([thinking ? { text: "", thoughtSignature: sign() } : { text: "" }], true));
      if (url.searchParams.get("alt") === "sse") {
        return new Response(chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join(""), { headers: { "content-type": "text/event-stream" } });
      }
      return new Response(`[${chunks.map((c) => JSON.stringify(c, null, 2)).join(",\r\n")}]`, { headers: { "content-type": "application/json" } });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    issued,
    last() {
      const r = requests.at(-1);
      if (!r) throw new Error("fake Gemini: no request received");
      return r;
    },
    enqueue: (...r) => void queue.push(...r),
    clearQueue: () => void (queue.length = 0),
    stop: () => server.stop(true),
  };
}
