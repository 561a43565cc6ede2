/**
 * Model-name patterns used by `model_routes.source_model` and `upstream_accounts[].models`:
 * an exact name, `prefix*`, or `*`. Matching ignores case (clients write `Claude-…` and `gpt-4O` too).
 * A `*` anywhere but at the end is a literal character: no globbing beyond what the config documents.
 */

/** Higher is more specific: exact beats any prefix, a longer prefix beats a shorter one, `*` is 0. */
export const EXACT_MATCH = Number.MAX_SAFE_INTEGER;

/** How specifically `pattern` matches `model`, or undefined when it does not. */
export function matchModel(pattern: string, model: string): number | undefined {
  const p = pattern.toLowerCase();
  const m = model.toLowerCase();
  if (p.endsWith("*")) {
    const prefix = p.slice(0, -1);
    return m.startsWith(prefix) ? prefix.length : undefined;
  }
  return p === m ? EXACT_MATCH : undefined;
}

/** The best specificity of any pattern in the list, or undefined when none matches. */
export function bestMatch(patterns: readonly string[], model: string): number | undefined {
  let best: number | undefined;
  for (const p of patterns) {
    const s = matchModel(p, model);
    if (s !== undefined && (best === undefined || s > best)) best = s;
  }
  return best;
}
