/**
 * Gemini's built-in tools (`googleSearch`, `codeExecution`, `urlContext`, ...) run inside Gemini: the model calls
 * them and Gemini answers them itself. No other upstream can, and dropping them would silently change what the
 * client asked for (a search that never happens), so a request of a Gemini client carrying them is refused with a
 * 400 towards any other upstream (src/dialects/README.md "Gemini"). Other origins' server tools keep their own
 * policy (reported and dropped).
 */
import { invalidRequest } from "../../errors.ts";
import type { CanonicalRequest } from "../../canonical/model.ts";
import { isObj } from "./json-shape.ts";

export function refuseGeminiBuiltInTools(req: CanonicalRequest, upstream: string): void {
  if (req.origin !== "gemini" || !req.rawTools?.length) return;
  const names = req.rawTools.map((t) => (isObj(t) ? Object.keys(t).join(",") : "?")).join(", ");
  throw invalidRequest(`tools: Gemini built-in tools (${names}) can only run on a Gemini upstream, not on ${upstream}`, "tools");
}
