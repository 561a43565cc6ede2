/**
 * The contract between the server and the dialects. A dialect is a set of pure functions around
 * the canonical model (src/canonical/model.ts); stream encoders/decoders are small state machines.
 */
import type { GatewayError } from "../errors.ts";
import type { CanonicalRequest, CanonicalResponse, DialectName } from "../canonical/model.ts";
import type { CanonicalStreamEvent } from "../canonical/stream-events.ts";
import type { SseEvent } from "../transport/sse-parser.ts";

export type { DialectName, CanonicalRequest, CanonicalResponse, CanonicalStreamEvent, SseEvent };

export interface EncodeContext {
  /** Model name to show the client (the one it asked for). */
  model: string;
  /** Response id to use when the canonical response has none. */
  id?: string;
  /** Unix seconds. */
  created?: number;
  /** OpenAI clients: stream_options.include_usage. */
  includeUsage?: boolean;
  /** Gemini clients: `json-array` for `:streamGenerateContent` without `alt=sse` (a JSON array streamed); default SSE. */
  streamFraming?: "sse" | "json-array";
  /**
   * OpenAI Responses clients: their request as decoded. The answer repeats its settings, calls of its custom and
   * namespaced tools get their own form back, and `include` / `reasoning.summary` decide what reasoning shows.
   */
  request?: CanonicalRequest;
  /**
   * OpenAI Responses clients whose answer the gateway keeps for follow-ups (src/state/response-store.ts): called
   * once, when the answer is complete or incomplete (never when it failed), with the Response object's JSON as the
   * client got it and its output items' JSON with their reasoning state whatever the client's `include` asked.
   */
  keep?(response: string, items: string[]): void;
}

/** What a client's request says outside its body: Gemini puts the model and streaming in the URL. */
export interface DecodeRequestContext {
  /** The model named in the URL (`/v1beta/models/{model}:generateContent`). */
  model?: string;
  /** `:streamGenerateContent` rather than `:generateContent`. */
  stream?: boolean;
}

/** How a request converted from another dialect is shaped for one upstream account. */
export interface EncodeRequestOptions {
  /** Upstream model name. */
  model: string;
  /** Anthropic requires max_tokens; used when the client gave none. */
  defaultMaxTokens: number;
  /** OpenAI upstreams: which field carries the token limit. Default `max_tokens` (known by every OpenAI-compatible
   * server); OpenAI's own reasoning models reject it and want `max_completion_tokens`, which older Azure
   * api-versions do not know. */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** The account's `max_output_tokens`: the token limit is clamped to it (models reject limits above their
   * maximum, and Claude Code asks for 32000 or 128000). */
  maxOutputTokens?: number;
  /** The account's `reasoning`: false drops reasoning_effort towards an OpenAI-dialect upstream, whose models
   * without reasoning reject it (Claude Code always sends an effort). Default true. */
  reasoning?: boolean;
  /** The account's `stream_usage`: false sends no `stream_options` to an OpenAI-dialect server that rejects it, so
   * its streams report no usage. Default true. */
  streamUsage?: boolean;
  /** Called for every field deliberately dropped or changed while encoding (for a log line). */
  onAdjust?: (field: string, reason: string) => void;
}

export interface StreamDecoder {
  push(ev: SseEvent): CanonicalStreamEvent[];
  /** A stream that ended without its terminator yields an error event. */
  end(): CanonicalStreamEvent[];
  /**
   * The raw lane (src/gateway/stream-converter.ts): whether the event starting at `s[pos]` is this stream's hot delta in
   * its usual exact bytes, with a verbatim string literal; if so where that literal is and where the event ends.
   * It changes no state: push() would give the same delta for this event and nothing else. The answer is written
   * into `out`, one scratch object per stream: ~95% of a stream's events come this way, and an object for each was
   * measurable garbage (the converter's share of a converted stream's CPU 36-37% → 33-34%, bench/pipeline.ts).
   */
  sniffRaw?(s: string, pos: number, out: RawDelta): boolean;
}

/** A text or tool-argument delta recognised in the raw SSE text (see StreamDecoder.sniffRaw). */
export interface RawDelta {
  kind: "text" | "tool_args";
  /** The canonical block index. */
  index: number;
  /** The JSON string literal of the delta's text, quotes included (start and end in the raw text). */
  literalStart: number;
  literalEnd: number;
  /** Index just past the event's blank line. */
  next: number;
}

export interface StreamEncoder {
  /** SSE text to write, possibly "". */
  push(ev: CanonicalStreamEvent): string;
  /**
   * The raw lane: the client's event for a text or tool-argument delta given as a verbatim JSON string literal,
   * byte-identical to what push() gives for the decoded delta; undefined when its state does not allow the
   * shortcut (push() is then used).
   */
  pushLiteral?(kind: RawDelta["kind"], index: number, literal: string): string | undefined;
}

export interface Dialect {
  name: DialectName;
  /** Client body -> canonical; throws GatewayError 400 naming the field (param) on bad input. `ctx`: Gemini only. */
  decodeRequest(body: unknown, ctx?: DecodeRequestContext): CanonicalRequest;
  /** Canonical request of another dialect -> upstream body (stream flag; OpenAI: stream_options.include_usage true when streaming, unless the account opts out). */
  encodeRequest(req: CanonicalRequest, opts: EncodeRequestOptions): Record<string, unknown>;
  /** Upstream JSON -> canonical. */
  decodeResponse(body: unknown): CanonicalResponse;
  encodeResponse(res: CanonicalResponse, ctx: EncodeContext): Record<string, unknown>;
  /** Upstream SSE events -> canonical events. */
  streamDecoder(): StreamDecoder;
  /** Canonical events -> client SSE text ([DONE] only for OpenAI dialects). */
  streamEncoder(ctx: EncodeContext): StreamEncoder;
  /** The dialect's error body and status (src/dialects/README.md "Errors"). */
  encodeError(err: GatewayError): { status: number; body: Record<string, unknown> };
  /** In-stream error SSE text for this dialect. */
  encodeStreamError(err: GatewayError): string;
  /** Upstream error -> GatewayError keeping status, message, provider error type (options.upstreamType). */
  decodeError(status: number, bodyText: string, headers?: Headers): GatewayError;
}
