/** `data:<mime>;base64,<data>` URLs, the OpenAI spelling of inline images and files (Anthropic has base64 sources instead). */
const DATA_URL = /^data:([^;,]+);base64,/;

export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = DATA_URL.exec(url);
  return m ? { mediaType: m[1]!, data: url.slice(m[0].length) } : undefined;
}

export const formatDataUrl = (mediaType: string, data: string) => `data:${mediaType};base64,${data}`;
