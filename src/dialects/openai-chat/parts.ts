/** OpenAI Chat content parts <-> canonical blocks (src/dialects/README.md "OpenAI Chat Completions"). */
import { invalidRequest } from "../../errors.ts";
import type { Block, CacheControl } from "../../canonical/model.ts";
import { formatDataUrl, parseDataUrl } from "../shared/data-url.ts";
import { isObj, type Json } from "../shared/json-shape.ts";

/** Claude-aware clients put Anthropic's cache_control on parts; it is kept for an Anthropic upstream. */
function withCache(out: Json, p: Json): Json {
  if (isObj(p.cache_control)) out.cacheControl = p.cache_control as CacheControl;
  return out;
}

export function decodePart(p: unknown, path: string): Block {
  if (!isObj(p)) throw invalidRequest(`${path}: expected a content part`, path);
  switch (p.type) {
    case "text":
      if (typeof p.text !== "string") throw invalidRequest(`${path}.text: expected a string`, `${path}.text`);
      return withCache({ type: "text", text: p.text }, p) as Block;
    case "image_url": {
      const iu = p.image_url;
      const url = typeof iu === "string" ? iu : isObj(iu) && typeof iu.url === "string" ? iu.url : undefined;
      if (url === undefined) throw invalidRequest(`${path}.image_url.url: expected a string`, `${path}.image_url.url`);
      if (typeof iu === "string" || (isObj(iu) && Object.keys(iu).some((k) => k !== "url" && k !== "detail"))) break;
      const data = parseDataUrl(url);
      const out: Json = { type: "image", source: data ? { type: "base64", ...data } : { type: "url", url } };
      if (isObj(iu) && typeof iu.detail === "string") out.detail = iu.detail;
      return withCache(out, p) as Block;
    }
    case "input_audio": {
      const a = p.input_audio;
      if (!isObj(a) || typeof a.data !== "string" || typeof a.format !== "string") break;
      return { type: "audio", data: a.data, format: a.format };
    }
    case "file": {
      const f = p.file;
      if (!isObj(f) || Object.keys(f).some((k) => k !== "file_data" && k !== "file_id" && k !== "filename")) break;
      let out: Json | undefined;
      if (typeof f.file_data === "string" && f.file_id === undefined) {
        const data = parseDataUrl(f.file_data);
        if (data) out = { type: "document", source: { type: "base64", ...data } };
      } else if (typeof f.file_id === "string" && f.file_data === undefined) {
        out = { type: "document", source: { type: "file", fileId: f.file_id } };
      }
      if (!out) break;
      if (typeof f.filename === "string") out.filename = f.filename;
      return withCache(out, p) as Block;
    }
    case "refusal":
      if (typeof p.refusal !== "string") break;
      return { type: "refusal", text: p.refusal };
  }
  return { type: "raw", dialect: "openai-chat", value: p };
}

/**
 * Canonical block (from an Anthropic or legacy Completions client) -> OpenAI part. cache_control is not sent
 * (unknown to OpenAI; some compatible servers answer 400 on it). Returns undefined for blocks handled at message
 * level (thinking, tool calls/results) or with no OpenAI form (the caller reports why).
 */
export function encodePart(b: Block): Json | undefined {
  switch (b.type) {
    case "text":
      return { type: "text", text: b.text };
    case "image": {
      const s = b.source;
      if (s.type === "url") return { type: "image_url", image_url: { url: s.url } };
      if (s.type === "base64") return { type: "image_url", image_url: { url: formatDataUrl(s.mediaType, s.data) } };
      throw invalidRequest("image file references cannot be sent to an OpenAI-compatible upstream", "content.image.source");
    }
    case "document": {
      const s = b.source;
      switch (s.type) {
        case "base64":
          return { type: "file", file: { file_data: formatDataUrl(s.mediaType, s.data), filename: b.title ?? "document.pdf" } };
        case "file":
          return { type: "file", file: { file_id: s.fileId } };
        case "text":
          // A plain-text document is text for OpenAI; its title leads it.
          return { type: "text", text: b.title ? `${b.title}\n\n${s.data}` : s.data };
        case "content": {
          const texts = Array.isArray(s.content) ? (s.content as Json[]).filter((c) => c.type === "text").map((c) => String(c.text)) : [];
          return { type: "text", text: texts.join("\n\n") };
        }
        case "url":
          throw invalidRequest("document URL sources cannot be sent to an OpenAI-compatible upstream", "content.document.source");
      }
    }
    default:
      return undefined;
  }
}
