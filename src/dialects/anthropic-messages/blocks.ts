/**
 * Anthropic content blocks <-> canonical blocks (src/dialects/README.md "Anthropic Messages"). Unknown block
 * types (server_tool_use, web_search_tool_result, search_result, ...) become raw blocks, which no other dialect
 * can express. Unknown fields of known blocks (citations, ...) have no meaning elsewhere and are not kept.
 */
import { invalidRequest } from "../../errors.ts";
import type { Block, CacheControl, MediaSource, ToolResultContentBlock } from "../../canonical/model.ts";
import { isObj, tryParseJson, type Json } from "../shared/json-shape.ts";

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

function withCache<T extends Record<string, unknown>>(out: T, b: Json): T {
  const cc = cacheOf(b);
  if (cc) (out as Json).cacheControl = cc;
  return out;
}

export function decodeBlock(b: unknown, path: string): Block {
  if (!isObj(b) || typeof b.type !== "string") throw invalidRequest(`${path}: expected a content block`, path);
  switch (b.type) {
    case "text":
      return withCache({ type: "text", text: str(b, "text", path) }, b);
    case "image": {
      const source = decodeSource(b.source);
      if (!source) break;
      return withCache({ type: "image", source }, b);
    }
    case "document": {
      const source = decodeSource(b.source);
      if (!source) break;
      const out: Json = { type: "document", source };
      if (typeof b.title === "string") out.title = b.title;
      if (typeof b.context === "string") out.context = b.context;
      return withCache(out, b) as Block;
    }
    case "tool_use": {
      return withCache({ type: "tool_call", id: str(b, "id", path), name: str(b, "name", path), arguments: JSON.stringify(b.input ?? {}) }, b);
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
      return withCache(out, b) as Block;
    }
    case "thinking": {
      const out: Json = { type: "thinking", text: str(b, "thinking", path) };
      if (typeof b.signature === "string") out.signature = b.signature;
      return out as Block;
    }
    case "redacted_thinking":
      return { type: "redacted_thinking", data: str(b, "data", path) };
  }
  return { type: "raw", dialect: "anthropic-messages", value: b };
}

function decodeToolResultContent(c: unknown, path: string): ToolResultContentBlock {
  const b = decodeBlock(c, path);
  if (b.type === "text" || b.type === "image" || b.type === "document" || b.type === "raw") return b;
  return { type: "raw", dialect: "anthropic-messages", value: c };
}

/**
 * Canonical block (from another dialect) -> Anthropic block. Returns undefined for blocks with no Anthropic form
 * (dropped by the caller, reason at the call).
 */
export function encodeBlock(b: Block): Json | undefined {
  let out: Json;
  switch (b.type) {
    case "text":
      out = { type: "text", text: b.text };
      break;
    case "refusal":
      // An OpenAI assistant refusal part is plain assistant text for Anthropic.
      return { type: "text", text: b.text };
    case "image":
      // `detail` is OpenAI-only: dropped.
      out = { type: "image", source: encodeSource(b.source) };
      break;
    case "document":
      out = { type: "document", source: encodeSource(b.source) };
      // OpenAI `file.filename` becomes the document title when none was given.
      if (b.title !== undefined) out.title = b.title;
      else if (b.filename !== undefined) out.title = b.filename;
      if (b.context !== undefined) out.context = b.context;
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
      // tool_use.input must be an object: invalid JSON arguments from a model are wrapped, never sent as a string.
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
          const e = encodeBlock(c);
          if (e) parts.push(e);
        }
        out.content = parts;
      }
      if (b.isError !== undefined) out.is_error = b.isError;
      break;
    }
    case "raw":
      return undefined;
  }
  if ("cacheControl" in b && b.cacheControl) out.cache_control = b.cacheControl;
  return out;
}
