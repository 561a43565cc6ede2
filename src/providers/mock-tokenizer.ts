/**
 * The mock provider's tokenizer: words and single punctuation marks. Crude, but the mock's usage figures are
 * honest by this rule — the counts it reports are exactly the tokens of what it read and wrote.
 */
const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

export const mockTokens = (text: string): string[] => text.match(TOKEN) ?? [];
export const countMockTokens = (text: string) => mockTokens(text).length;
