/**
 * The mock provider's tokenizer: words and single punctuation marks. Crude, but the mock's usage figures are
 * honest by this rule — the counts it reports are exactly the tokens of what it read and wrote.
 * Tokens are counted and located without collecting them, with `test` (no match objects): a 30 MB prompt is
 * millions of tokens, and an array of them, or of matches, would take hundreds of megabytes.
 */
const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

export function countMockTokens(text: string): number {
  const re = new RegExp(TOKEN);
  let n = 0;
  while (re.test(text)) n++;
  return n;
}

/**
 * Where the text is cut into `pieces` runs of about equal numbers of tokens: the end offset of each run, the last
 * one covering everything up to `tokens` tokens. Whitespace before a token belongs to that token's run.
 */
export function mockTokenRunEnds(text: string, tokens: number, pieces: number): number[] {
  const per = Math.max(1, Math.ceil(tokens / Math.max(1, pieces)));
  const re = new RegExp(TOKEN);
  const ends: number[] = [];
  let seen = 0;
  while (seen < tokens && re.test(text)) {
    seen++;
    if (seen % per === 0 || seen === tokens) ends.push(re.lastIndex);
  }
  return ends;
}
