/**
 * Ids the gateway gives Responses objects it builds: `resp_` for responses, and per item `msg_`, `rs_`, `fc_`,
 * `ctc_` (OpenAI's prefixes). Item ids share one random base per response plus the output index, so they are
 * unique, stable across a stream's events, and cost one random draw per response.
 */
const hex = () => crypto.randomUUID().replace(/-/g, "");

export const newResponseId = () => `resp_gw${hex()}`;

/** Responses clients expect `resp_` ids; an upstream id of another shape is kept behind the prefix. */
export const responsesId = (id: string) => (id.startsWith("resp_") ? id : `resp_${id}`);

export type ItemKind = "message" | "reasoning" | "function_call" | "custom_tool_call";
const PREFIX: Record<ItemKind, string> = { message: "msg", reasoning: "rs", function_call: "fc", custom_tool_call: "ctc" };

export function createItemIds(): (kind: ItemKind, outputIndex: number) => string {
  const base = hex().slice(0, 24);
  return (kind, outputIndex) => `${PREFIX[kind]}_${base}${outputIndex}`;
}
