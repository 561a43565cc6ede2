/**
 * Gemini's paths (src/dialects/README.md "Gemini"): the model and the method share the last segment,
 * `/v1beta/models/{model}:{method}` (and the same under `/v1/`). The gateway routes `/v1beta/models/*` and
 * `/v1/models/*` and reads that segment here.
 */

export const GEMINI_METHODS = ["generateContent", "streamGenerateContent", "countTokens"] as const;
export type GeminiMethod = (typeof GEMINI_METHODS)[number];

/** `{model}:{method}` from a path under `…/models/`; the model's `%`-escapes decoded. Undefined for another shape. */
export function parseGeminiCall(pathname: string): { model: string; method: string } | undefined {
  const tail = modelSegment(pathname);
  if (tail === undefined) return undefined;
  const colon = tail.lastIndexOf(":");
  if (colon <= 0) return undefined;
  return { model: tail.slice(0, colon), method: tail.slice(colon + 1) };
}

/** The model named by `GET …/models/{model}` (`models/` prefix and escapes handled), or undefined. */
export function modelSegment(pathname: string): string | undefined {
  const m = /^\/v1(?:beta)?\/models\/(.+)$/.exec(pathname);
  if (!m) return undefined;
  let tail: string;
  try {
    tail = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return tail.includes("/") ? undefined : tail;
}

export const isGeminiMethod = (m: string): m is GeminiMethod => (GEMINI_METHODS as readonly string[]).includes(m);

/** `/v1beta/…` is Google's alone; under `/v1/`, a `models/{model}:{method}` path is. */
export const isGeminiPath = (pathname: string): boolean =>
  pathname.startsWith("/v1beta/") || (pathname.startsWith("/v1/models/") && pathname.includes(":"));

/**
 * Whether a request to a path both APIs share (`GET /v1/models`, `/v1/models/{id}`) comes from a Gemini client: it
 * sends its key in `x-goog-api-key` or `?key=`.
 */
export const fromGeminiClient = (request: Request): boolean =>
  request.headers.has("x-goog-api-key") || /[?&]key=/.test(request.url);
