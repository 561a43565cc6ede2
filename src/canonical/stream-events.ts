/**
 * Canonical stream events: what stream decoders produce and stream encoders consume.
 * Plain TypeScript types, not TypeBox: they never cross a trust boundary (decoders build them
 * from already-parsed upstream data) and they are on the per-token hot path.
 *
 * Ordering guaranteed by every decoder (Anthropic's stream rules, src/dialects/README.md "Anthropic Messages"):
 *  - `start` first, exactly once (decoders synthesise it when the upstream has none);
 *  - blocks strictly sequential: `block_start(i)`, deltas for `i`, `block_stop(i)`, then `i+1`;
 *    indices contiguous from 0;
 *  - at most one `finish`; `usage` events carry the latest cumulative usage (latest wins) and may
 *    come before or after `finish`;
 *  - the stream ends with `end` (the upstream terminator was seen) or `error`, nothing after.
 */
import type { GatewayError } from "../errors.ts";
import type { DialectName, StopReason, Usage } from "./model.ts";

export type StreamBlockStart =
  | { type: "text"; text?: string }
  | { type: "thinking"; text?: string; signature?: string }
  | { type: "redacted_thinking"; data: string }
  /** `thoughtSignature`: Gemini's, whole with the call (Gemini sends calls whole). */
  | { type: "tool_call"; id: string; name: string; thoughtSignature?: string }
  /** A block the canonical model does not model (Anthropic server_tool_use...): other dialects' encoders skip it. */
  | { type: "raw"; dialect: DialectName; value: unknown };

export type CanonicalStreamEvent =
  | { type: "start"; id: string; model: string; created?: number; usage?: Usage }
  | { type: "block_start"; index: number; block: StreamBlockStart }
  | { type: "text_delta"; index: number; text: string }
  | { type: "thinking_delta"; index: number; text: string }
  | { type: "signature_delta"; index: number; signature: string }
  /** Opaque reasoning state of the open thinking block (ThinkingBlock.encrypted); arrives whole. */
  | { type: "thinking_encrypted"; index: number; encrypted: { dialect: DialectName; data: string; itemId?: string } }
  | { type: "tool_args_delta"; index: number; json: string }
  /** A delta the canonical model does not model (citations_delta...): other dialects' encoders skip it. */
  | { type: "raw_delta"; index: number; dialect: DialectName; value: unknown }
  /** `thoughtSignature`: Gemini's signature of a text or thought block, which may come on any of its parts. */
  | { type: "block_stop"; index: number; thoughtSignature?: string }
  | { type: "finish"; stopReason: StopReason | null; stopSequence?: string | null }
  | { type: "usage"; usage: Usage }
  | { type: "ping" }
  | { type: "end" }
  | { type: "error"; error: GatewayError };
