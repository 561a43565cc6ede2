/**
 * What an encoder must do with a request that came from another dialect's client, for the canonical fields only
 * the origin's own upstream can honour (today: the Responses ones). Parts whose absence would change the answer
 * are refused: `originOnly` with a 400 naming the field, a `previous_response_id` still there (the gateway puts
 * the conversations it kept into the request before it gets here, src/gateway/responses-conversation.ts) with
 * OpenAI's 404 for an unknown response; the rest
 * (`store`, `metadata`, `prompt_cache_key`, `include`) are dropped and reported.
 */
import { GatewayError, invalidRequest } from "../../errors.ts";
import type { CanonicalRequest, DialectName } from "../../canonical/model.ts";
import type { EncodeRequestOptions } from "../types.ts";

export function checkForeignRequest(req: CanonicalRequest, target: DialectName, adjust: EncodeRequestOptions["onAdjust"]): void {
  if (req.origin === target) return;
  if (req.previousResponseId !== undefined) {
    throw new GatewayError(
      404,
      "not_found",
      `Previous response with id '${req.previousResponseId}' not found: the gateway keeps the responses it answered for this key for a limited time (none with store: false); send the whole conversation in input`,
      { param: "previous_response_id", upstreamCode: "previous_response_not_found" },
    );
  }
  const first = req.originOnly?.[0];
  if (first) throw invalidRequest(first.message, first.param);
  if (!adjust) return;
  if (req.store !== undefined) adjust("store", "the upstream keeps nothing for later");
  if (req.metadata !== undefined) adjust("metadata", "the upstream has no response metadata");
  if (req.promptCacheKey !== undefined) adjust("prompt_cache_key", "the upstream caches prompts on its own");
  if (req.include !== undefined) adjust("include", "the gateway decides what the answer includes");
}
