/** Responses content parts <-> canonical blocks (input_text, input_image, input_file, input_audio, output_text, refusal). */
import { invalidRequest } from "../../errors.ts";
import type { Block } from "../../canonical/model.ts";
import { formatDataUrl, parseDataUrl } from "../shared/data-url.ts";
import { isObj, type Json } from "../shared/json-shape.ts";

/** One part of a message's or a tool output's content. Parts without a canonical form become raw blocks. */
export function decodePart(p: unknown, path: string): Block {
  if (!isObj(p) || typeof p.type !== "string") throw invalidRequest(`${path}: expected a content part with a type`, `${path}.type`);
  switch (p.type) {
    case "input_text":
    case "output_text":
      if (typeof p.text !== "string") throw invalidRequest(`${path}.text: expected a string`, `${path}.text`);
      return { type: "text", text: p.text };
    case "input_image": {
      let b: Block;
      if (typeof p.image_url === "string") {
        const data = parseDataUrl(p.image_url);
        b = { type: "image", source: data ? { type: "base64", ...data } : { type: "url", url: p.image_url } };
      } else if (typeof p.file_id === "string") b = { type: "image", source: { type: "file", fileId: p.file_id } };
      else throw invalidRequest(`${path}: input_image needs image_url or file_id`, `${path}.image_url`);
      if (typeof p.detail === "string") b.detail = p.detail;
      return b;
    }
    case "input_file": {
      let b: Extract<Block, { type: "document" }> | undefined;
      if (typeof p.file_data === "string") {
        // OpenAI takes a data URL here; raw base64 without a media type has no canonical form.
        const data = parseDataUrl(p.file_data);
        if (data) b = { type: "document", source: { type: "base64", ...data } };
      } else if (typeof p.file_id === "string") b = { type: "document", source: { type: "file", fileId: p.file_id } };
      else if (typeof p.file_url === "string") b = { type: "document", source: { type: "url", url: p.file_url } };
      if (!b) break;
      if (typeof p.filename === "string") b.filename = p.filename;
      return b;
    }
    case "input_audio": {
      const a = p.input_audio;
      if (!isObj(a) || typeof a.data !== "string" || typeof a.format !== "string") break;
      return { type: "audio", data: a.data, format: a.format };
    }
    case "refusal":
      if (typeof p.refusal !== "string") throw invalidRequest(`${path}.refusal: expected a string`, `${path}.refusal`);
      return { type: "refusal", text: p.refusal };
  }
  return { type: "raw", dialect: "openai-responses", value: p };
}

/**
 * Canonical block of another dialect -> Responses part; `assistant` picks output_text. Undefined for blocks with
 * no part form (the caller reports them).
 */
export function encodePart(b: Block, assistant: boolean): Json | undefined {
  switch (b.type) {
    case "text":
      // Assistant text in the history: OpenAI's own output carries `annotations` (none here).
      return assistant ? { type: "output_text", text: b.text, annotations: [] } : { type: "input_text", text: b.text };
    case "refusal":
      return { type: "refusal", refusal: b.text };
    case "image": {
      const s = b.source;
      // `detail` is part of the API's image schema; auto is its documented default.
      const detail = b.detail ?? "auto";
      if (s.type === "url") return { type: "input_image", image_url: s.url, detail };
      if (s.type === "base64") return { type: "input_image", image_url: formatDataUrl(s.mediaType, s.data), detail };
      if (s.type === "file") return { type: "input_image", file_id: s.fileId, detail };
      return undefined;
    }
    case "document": {
      const s = b.source;
      const named = (o: Json) => (b.filename !== undefined ? { ...o, filename: b.filename } : o);
      // OpenAI needs a file name with inline file data.
      if (s.type === "base64") return { type: "input_file", file_data: formatDataUrl(s.mediaType, s.data), filename: b.filename ?? b.title ?? "document.pdf" };
      if (s.type === "file") return named({ type: "input_file", file_id: s.fileId });
      if (s.type === "url") return named({ type: "input_file", file_url: s.url });
      // A plain-text document is text for OpenAI; its title leads it.
      if (s.type === "text") return { type: "input_text", text: b.title ? `${b.title}\n\n${s.data}` : s.data };
      if (Array.isArray(s.content)) {
        const texts = (s.content as Json[]).filter((c) => isObj(c) && c.type === "text").map((c) => String(c.text));
        return { type: "input_text", text: texts.join("\n\n") };
      }
      return undefined;
    }
    case "audio":
      return { type: "input_audio", input_audio: { data: b.data, format: b.format } };
    default:
      return undefined;
  }
}
