/**
 * A three-way merge of configuration documents (plain JSON values, as YAML parses them): the version both sides
 * started from (`base`), this side's (`mine`) and the other side's (`theirs`). What only one side changed is taken
 * from that side, down to single fields: mappings merge key by key, and lists of items with an `id` (keys, accounts,
 * routes) item by item, so an edit of one account's weight here and an OAuth refresh of its tokens there both
 * survive. Where both sides changed the same value differently, `prefer` decides (the side whose change is newer).
 * Without a base (a process joining with a file of its own), items of either side are kept and `prefer` decides
 * every other difference.
 */
export function mergeConfig(base: unknown, mine: unknown, theirs: unknown, prefer: "mine" | "theirs"): unknown {
  if (base !== undefined && equal(mine, base)) return theirs;
  if (base !== undefined && equal(theirs, base)) return mine;
  if (equal(mine, theirs)) return mine;
  if (isMapping(mine) && isMapping(theirs)) return mergeMappings(isMapping(base) ? base : undefined, mine, theirs, prefer);
  if (isItemList(mine) && isItemList(theirs)) return mergeItems(isItemList(base) ? base : undefined, mine, theirs, prefer);
  return prefer === "mine" ? mine : theirs;
}

type Mapping = Record<string, unknown>;
type Item = Mapping & { id: string };

function mergeMappings(base: Mapping | undefined, mine: Mapping, theirs: Mapping, prefer: "mine" | "theirs"): Mapping {
  const out: Mapping = {};
  const keys = new Set([...Object.keys(theirs), ...Object.keys(mine)]);
  for (const k of keys) {
    const v = mergeField(base, k, mine, theirs, prefer);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** One key of a mapping or one item of a list: absent on a side means removed there (when the base had it). */
function mergeField(base: Mapping | undefined, k: string, mine: Mapping, theirs: Mapping, prefer: "mine" | "theirs"): unknown {
  const b = base?.[k];
  const m = mine[k];
  const t = theirs[k];
  if (b === undefined) {
    // Not in the common ancestor (or there is none): an addition, kept from whichever side made it.
    if (m === undefined) return t;
    if (t === undefined) return m;
    return mergeConfig(undefined, m, t, prefer);
  }
  return mergeConfig(b, m, t, prefer);
}

function mergeItems(base: Item[] | undefined, mine: Item[], theirs: Item[], prefer: "mine" | "theirs"): Item[] {
  const byId = (list: Item[]) => Object.fromEntries(list.map((i) => [i.id, i])) as Mapping;
  const b = base && byId(base);
  const m = byId(mine);
  const t = byId(theirs);
  // Their order, then items only this side has, in this side's order.
  const order = [...theirs.map((i) => i.id), ...mine.map((i) => i.id).filter((id) => !(id in t))];
  const out: Item[] = [];
  for (const id of order) {
    const v = mergeField(b, id, m, t, prefer);
    if (v !== undefined) out.push(v as Item);
  }
  return out;
}

const isMapping = (v: unknown): v is Mapping => typeof v === "object" && v !== null && !Array.isArray(v);
const isItemList = (v: unknown): v is Item[] => Array.isArray(v) && v.every((i) => isMapping(i) && typeof i.id === "string");

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}

export { equal as sameConfigValue };
