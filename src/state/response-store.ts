/**
 * Responses the gateway answered for OpenAI Responses clients through an upstream that keeps nothing (Anthropic,
 * Chat, Gemini): kept so that a follow-up's `previous_response_id` and `item_reference` items work, and so that
 * `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}` have something to show. Only responses whose request
 * did not say `store: false` are kept. Each one belongs to the gateway key that created it: every read takes that
 * key's id, and another key's id finds nothing.
 *
 * One small interface, values plain strings, so a shared backend (Redis) can stand in for the in-process one
 * (memory-response-store.ts) when several gateway instances must agree; methods are async for that reason.
 */
export interface StoredResponse {
  /** The response id the client got (`resp_…`). */
  id: string;
  /** Id of the gateway key that created it. */
  owner: string;
  /** Epoch ms. */
  createdAt: number;
  /** The Response object as the client got it (JSON text). */
  response: string;
  /**
   * The conversation up to and including this response, as Responses input items (JSON text of an array): the
   * stored conversation it continued, its request's input items (references resolved), then its output items with
   * their reasoning state (kept even when the client did not ask to see it, as OpenAI keeps it).
   */
  items: string;
  /** Ids of its output items, for `item_reference` look-ups. */
  itemIds: string[];
}

export interface ResponseStore {
  put(record: StoredResponse): Promise<void>;
  /** The owner's response with this id, if kept. */
  get(owner: string, id: string): Promise<StoredResponse | undefined>;
  /** The owner's kept output item with this id (an `item_reference`), as its JSON value. */
  item(owner: string, itemId: string): Promise<unknown>;
  /** Forgets the owner's response; false when there was none. */
  delete(owner: string, id: string): Promise<boolean>;
}
