/** Re-exports of the canonical model's types, for modules that only need the types. */
export type {
  Block, CanonicalRequest, CanonicalResponse, DialectName, Message, StopReason, Tool, ToolChoice, Usage,
} from "./model.ts";
export type { CanonicalStreamEvent, StreamBlockStart } from "./stream-events.ts";
