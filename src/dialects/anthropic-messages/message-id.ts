/** Ids for responses the gateway synthesises for Anthropic clients (`msg_` + 24 base62-ish chars). */
export function newMessageId(): string {
  return `msg_gw_${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;
}

/** Anthropic-style tool ids for tool calls an upstream sent without one (some compatible servers do). */
export function newToolUseId(): string {
  return `toolu_gw_${crypto.randomUUID().replace(/-/g, "").slice(0, 22)}`;
}

/** Anthropic clients expect `msg_` ids; an upstream id of another shape (chatcmpl-...) is kept behind the prefix. */
export const anthropicMessageId = (id: string): string => (id.startsWith("msg_") ? id : `msg_${id}`);
