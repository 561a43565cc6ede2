/**
 * Anthropic content blocks <-> canonical blocks (WIRE_FORMATS.md §5.3). Unknown block types
 * (server_tool_use, web_search_tool_result, search_result, ...) become raw blocks that only an
 * Anthropic encoder re-emits. Unknown fields of known blocks (citations, ...) ride in `extra`.
 */
import { invalidRequest } from "../../errors.ts";
import type { Block, CacheControl, MediaSource, ToolResultContentBlock } from "../../canonical/model.ts";
import { applyExtra, extraOf, isObj, tryParseJson, type Json } from "../shared/json-shape.ts";

const K_TEXT = new Set(["type", "text", "cache_control"]);
const K_IMAGE = new Set(["type", "source", "cache_control"]);
const K_DOC = new Set(["type", "source", "title", "context", "cache_control"]);
const K_TOOL_USE = new Set(["type", "id", "name", "input", "cache_control"]);
const K_TOOL_RESULT = new Set(["type", "tool_use_id", "content", "is_error", "cache_control"]);
const K_THINKING = new Set(["type", "thinking", "signature"]);
const K_REDACTED = new Set(["type", "data"]);

const str = (b: Json, key: string, path: string): string => {
  const v = b[key];
  if (typeof v !== "string") throw invalidRequest(`${path}.${key}: expected a string`, `${path}.${key}`);
  return v;
};

function cacheOf(b: Json): CacheControl | undefined {
  return isObj(b.cache_control) ? (b.cache_control as CacheControl) : undefined;
}

function decodeSource(s: unknown): MediaSource | undefined {
  if (!isObj(s)) return undefined;
  switch (s.type) {
    case "base64":
      return typeof s.data === "string" ? { type: "base64", mediaType: String(s.media_type ?? ""), data: s.data } : undefined;
    case "url":
      return typeof s.url === "string" ? { type: "url", url: s.url } : undefined;
    case "file":
      return typeof s.file_id === "string" ? { type: "file", fileId: s.file_id } : undefined;
    case "text":
      return typeof s.data === "string" ? { type: "text", mediaType: String(s.media_type ?? "text/plain"), data: s.data } : undefined;
    case "content":
      return { type: "content", content: s.content };
    default:
      return undefined;
  }
}

export function encodeSource(s: MediaSource): Json {
  switch (s.type) {
    case "base64":
      return { type: "base64", media_type: s.mediaType, data: s.data };
    case "url":
      return { type: "url", url: s.url };
    case "file":
      return { type: "file", file_id: s.fileId };
    case "text":
      return { type: "text", media_type: s.mediaType, data: s.data };
    case "content":
      return { type: "content", content: s.content };
  }
}

function withCommon<T extends Record<string, unknown>>(out: T, b: Json, known: Set<string>): T {
  const cc = cacheOf(b);
  if (cc) (out as Json).cacheControl = cc;
  const extra = extraOf(b, known);
  if (extra) (out as Json).extra = extra;
  return out;
}

export function decodeBlock(b: unknown, path: string): Block {
  if (!isObj(b) || typeof b.type !== "string") throw invalidRequest(`${path}: expected a content block`, path);
  switch (b.type) {
    case "text":
      return withCommon({ type: "text", text: str(b, "text", path) }, b, K_TEXT);
    case "image": {
      const source = decodeSource(b.source);
      if (!source) break;
      return withCommon({ type: "image", source }, b, K_IMAGE);
    }
    case "document": {
      const source = decodeSource(b.source);
      if (!source) break;
      const out: Json = { type: "document", source };
      if (typeof b.title === "string") out.title = b.title;
      if (typeof b.context === "string") out.context = b.context;
      return withCommon(out, b, K_DOC) as Block;
    }
    case "tool_use": {
      return withCommon(
        {
          type: "tool_call",
          id: str(b, "id", path),
          name: str(b, "name", path),
          arguments: JSON.stringify(b.input ?? {}),
        },
        b,
        K_TOOL_USE,
      );
    }
    case "tool_result": {
      const out: Json = { type: "tool_result", toolCallId: str(b, "tool_use_id", path), content: [] };
      if (typeof b.content === "string") {
        out.contentString = true;
        if (b.content !== "") out.content = [{ type: "text", text: b.content }];
      } else if (Array.isArray(b.content)) {
        out.content = b.content.map((c, i) => decodeToolResultContent(c, `${path}.content[${i}]`));
      }
      if (typeof b.is_error === "boolean") out.isError = b.is_error;
      return withCommon(out, b, K_TOOL_RESULT) as Block;
    }
    case "thinking": {
      const out: Json = { type: "thinking", text: str(b, "thinking", path) };
      if (typeof b.signature === "string") out.signature = b.signature;
      const extra = extraOf(b, K_THINKING);
      if (extra) out.extra = extra;
      return out as Block;
    }
    case "redacted_thinking": {
      const out: Json = { type: "redacted_thinking", data: str(b, "data", path) };
      const extra = extraOf(b, K_REDACTED);
      if (extra) out.extra = extra;
      return out as Block;
    }
  }
  return { type: "raw", dialect: "anthropic-messages", value: b };
}

function decodeToolResultContent(c: unknown, path: string): ToolResultContentBlock {
  const b = decodeBlock(c, path);
  if (b.type === "text" || b.type === "image" || b.type === "document" || b.type === "raw") return b;
  return { type: "raw", dialect: "anthropic-messages", value: c };
}

/**
 * `faithful`: the block came from an Anthropic client/upstream; write its extra fields back.
 * Returns undefined for blocks with no Anthropic form (dropped by the caller, reason at the call).
 */
export function encodeBlock(b: Block, faithful: boolean): Json | undefined {
  let out: Json;
  switch (b.type) {
    case "text":
      out = { type: "text", text: b.text };
      break;
    case "refusal":
      // An OpenAI assistant refusal part is plain assistant text for Anthropic (§8.2).
      return { type: "text", text: b.text };
    case "image":
      // `detail` is OpenAI-only (§8.2): dropped.
      out = { type: "image", source: encodeSource(b.source) };
      break;
    case "document":
      out = { type: "document", source: encodeSource(b.source) };
      if (b.title !== undefined) out.title = b.title;
      if (b.context !== undefined) out.context = b.context;
      // OpenAI `file.filename` becomes the document title when none was given.
      else if (!faithful && b.filename !== undefined && b.title === undefined) out.title = b.filename;
      break;
    case "audio":
      return undefined;
    case "thinking":
      out = { type: "thinking", thinking: b.text, signature: b.signature ?? "" };
      break;
    case "redacted_thinking":
      out = { type: "redacted_thinking", data: b.data };
      break;
    case "tool_call": {
      const input = tryParseJson(b.arguments === "" ? "{}" : b.arguments);
      // tool_use.input must be an object (§8.2, pitfall 22): invalid model JSON is wrapped, never sent as a string.
      out = { type: "tool_use", id: b.id, name: b.name, input: isObj(input) ? input : { _raw: b.arguments } };
      break;
    }
    case "tool_result": {
      out = { type: "tool_result", tool_use_id: b.toolCallId };
      if (b.contentString && b.content.length <= 1 && (b.content.length === 0 || b.content[0]!.type === "text")) {
        out.content = b.content.length ? (b.content[0] as { text: string }).text : "";
      } else if (b.content.length > 0 || b.contentString) {
        const parts: Json[] = [];
        for (const c of b.content) {
          const e = encodeBlock(c, faithful);
          if (e) parts.push(e);
        }
        out.content = parts;
      }
      if (b.isError !== undefined) out.is_error = b.isError;
      break;
    }
    case "raw":
      return b.dialect === "anthropic-messages" ? (b.value as Json) : undefined;
  }
  if ("cacheControl" in b && b.cacheControl) out.cache_control = b.cacheControl;
  if (faithful && "extra" in b) applyExtra(out, b.extra);
  return out;
}
