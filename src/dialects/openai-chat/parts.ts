/** OpenAI Chat content parts <-> canonical blocks (WIRE_FORMATS.md §2.3, §8.2, §8.3). */
import { invalidRequest } from "../../errors.ts";
import type { Block, CacheControl } from "../../canonical/model.ts";
import { formatDataUrl, parseDataUrl } from "../shared/data-url.ts";
import { applyExtra, extraOf, isObj, type Json } from "../shared/json-shape.ts";

const K_TEXT = new Set(["type", "text", "cache_control"]);
const K_IMAGE = new Set(["type", "image_url", "cache_control"]);
const K_AUDIO = new Set(["type", "input_audio"]);
const K_FILE = new Set(["type", "file", "cache_control"]);
const K_REFUSAL = new Set(["type", "refusal"]);

function common(out: Json, p: Json, known: Set<string>): Json {
  if (isObj(p.cache_control)) out.cacheControl = p.cache_control as CacheControl;
  const extra = extraOf(p, known);
  if (extra) out.extra = extra;
  return out;
}

export function decodePart(p: unknown, path: string): Block {
  if (!isObj(p)) throw invalidRequest(`${path}: expected a content part`, path);
  switch (p.type) {
    case "text":
      if (typeof p.text !== "string") throw invalidRequest(`${path}.text: expected a string`, `${path}.text`);
      return common({ type: "text", text: p.text }, p, K_TEXT) as Block;
    case "image_url": {
      const iu = p.image_url;
      const url = typeof iu === "string" ? iu : isObj(iu) && typeof iu.url === "string" ? iu.url : undefined;
      if (url === undefined) throw invalidRequest(`${path}.image_url.url: expected a string`, `${path}.image_url.url`);
      if (typeof iu === "string" || (isObj(iu) && Object.keys(iu).some((k) => k !== "url" && k !== "detail"))) break;
      const data = parseDataUrl(url);
      const out: Json = { type: "image", source: data ? { type: "base64", ...data } : { type: "url", url } };
      if (isObj(iu) && typeof iu.detail === "string") out.detail = iu.detail;
      return common(out, p, K_IMAGE) as Block;
    }
    case "input_audio": {
      const a = p.input_audio;
      if (!isObj(a) || typeof a.data !== "string" || typeof a.format !== "string") break;
      return common({ type: "audio", data: a.data, format: a.format }, p, K_AUDIO) as Block;
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
      return common(out, p, K_FILE) as Block;
    }
    case "refusal":
      if (typeof p.refusal !== "string") break;
      return common({ type: "refusal", text: p.refusal }, p, K_REFUSAL) as Block;
  }
  return { type: "raw", dialect: "openai-chat", value: p };
}

/**
 * Canonical block -> OpenAI part. `faithful`: the block came from an OpenAI Chat client; extras
 * and cache_control go back. Otherwise cache_control is stripped (unknown to OpenAI; some
 * compatible servers 400 on it, §8.1). Returns undefined for blocks handled at message level
 * (thinking, tool calls/results) or with no OpenAI form (the caller reports why).
 */
export function encodePart(b: Block, faithful: boolean): Json | undefined {
  let out: Json;
  switch (b.type) {
    case "text":
      out = { type: "text", text: b.text };
      break;
    case "refusal":
      out = { type: "refusal", refusal: b.text };
      break;
    case "image": {
      const s = b.source;
      let url: string;
      if (s.type === "url") url = s.url;
      else if (s.type === "base64") url = formatDataUrl(s.mediaType, s.data);
      else throw invalidRequest("image file references cannot be sent to an OpenAI-compatible upstream", "content.image.source");
      const iu: Json = { url };
      if (b.detail !== undefined) iu.detail = b.detail;
      out = { type: "image_url", image_url: iu };
      break;
    }
    case "audio":
      out = { type: "input_audio", input_audio: { data: b.data, format: b.format } };
      break;
    case "document": {
      const s = b.source;
      if (s.type === "base64") {
        const file: Json = { file_data: formatDataUrl(s.mediaType, s.data) };
        const name = b.filename ?? (faithful ? undefined : (b.title ?? "document.pdf"));
        if (name !== undefined) file.filename = name;
        out = { type: "file", file };
      } else if (s.type === "file") {
        out = { type: "file", file: b.filename !== undefined ? { file_id: s.fileId, filename: b.filename } : { file_id: s.fileId } };
      } else if (s.type === "text") {
        // A plain-text document is text for OpenAI (§8.3); its title leads it.
        return { type: "text", text: b.title ? `${b.title}\n\n${s.data}` : s.data };
      } else if (s.type === "content" && Array.isArray(s.content)) {
        const texts = (s.content as Json[]).filter((c) => c.type === "text").map((c) => String(c.text));
        return { type: "text", text: texts.join("\n\n") };
      } else {
        throw invalidRequest("document URL sources cannot be sent to an OpenAI-compatible upstream", "content.document.source");
      }
      break;
    }
    case "raw":
      return b.dialect === "openai-chat" ? (b.value as Json) : undefined;
    default:
      return undefined;
  }
  if (faithful) {
    if ("cacheControl" in b && b.cacheControl) out.cache_control = b.cacheControl;
    if ("extra" in b) applyExtra(out, b.extra);
  }
  return out;
}
