import type { StdinSource } from "./base-command.ts";

/**
 * The first line of stdin, without its newline; undefined when stdin ends before any text (nothing piped, or
 * Ctrl-D). Stops reading at the newline so an interactive paste needs only Enter, not end-of-input.
 */
export async function readStdinLine(source: StdinSource | undefined): Promise<string | undefined> {
  if (source === undefined) return undefined;
  let text = "";
  if (typeof source === "string") text = source;
  else {
    const decoder = new TextDecoder();
    for await (const chunk of source) {
      text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      if (text.includes("\n")) break;
    }
    text += decoder.decode();
  }
  const line = text.split(/\r?\n/)[0]!.trim();
  return line === "" ? undefined : line;
}
