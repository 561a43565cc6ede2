/**
 * What an encoder must do with a request that came from another dialect's client, for the canonical fields only
 * the origin's own upstream can honour (today: the Responses ones). Parts whose absence would change the answer
 * (`originOnly`, an unresolved `previous_response_id`) are refused with a 400 naming the field; the rest
 * (`store`, `metadata`, `prompt_cache_key`, `include`) are dropped and reported.
 */
import { invalidRequest } from "../../errors.ts";
import type { CanonicalRequest, DialectName } from "../../canonical/model.ts";
import type { EncodeRequestOptions } from "../types.ts";

export function checkForeignRequest(req: CanonicalRequest, target: DialectName, adjust: EncodeRequestOptions["onAdjust"]): void {
  if (req.origin === target) return;
  if (req.previousResponseId !== undefined) {
    throw invalidRequest("previous_response_id: this model's upstream keeps no conversations; send the whole conversation in input", "previous_response_id");
  }
  const first = req.originOnly?.[0];
  if (first) throw invalidRequest(first.message, first.param);
  if (!adjust) return;
  if (req.store !== undefined) adjust("store", "the upstream keeps nothing for later");
  if (req.metadata !== undefined) adjust("metadata", "the upstream has no response metadata");
  if (req.promptCacheKey !== undefined) adjust("prompt_cache_key", "the upstream caches prompts on its own");
  if (req.include !== undefined) adjust("include", "the gateway decides what the answer includes");
}
