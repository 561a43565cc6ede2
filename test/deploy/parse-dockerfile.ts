/** One Dockerfile instruction: its keyword (upper case), its flags (`--from=build`), and its arguments. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  /** The exec form's JSON array, or the shell form's words. */
  args: string[];
  /** Whether the arguments were a JSON array (exec form). */
  exec: boolean;
  /** The text after the keyword and flags, as written (continuations joined). */
  raw: string;
  line: number;
}

export interface Stage {
  /** The image or earlier stage it starts from, and its `AS` name. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

/**
 * Reads a Dockerfile into stages of instructions: comments and blank lines dropped, `\` continuations joined, exec
 * forms parsed as JSON. Enough for the rules test/deploy checks; not a full BuildKit parser (no heredocs, no escape
 * directive), which this repository's Dockerfile does not use.
 */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      line = line.slice(0, -1);
      i++;
      if (/^\s*#/.test(lines[i]!)) continue; // a comment inside a continued instruction
      line += ` ${lines[i]!.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (!m) throw new Error(`line ${start + 1}: not an instruction: ${line}`);
    const keyword = m[1]!.toUpperCase();
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
      flags[f[1]!] = f[2] ?? "";
      rest = rest.slice(f[0].length);
    }
    let args: string[];
    let exec = false;
    if (rest.startsWith("[")) {
      const parsed: unknown = JSON.parse(rest);
      if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) throw new Error(`line ${start + 1}: a bad exec form`);
      args = parsed;
      exec = true;
    } else args = rest.split(/\s+/).filter(Boolean);
    const instruction: Instruction = { keyword, flags, args, exec, raw: rest, line: start + 1 };
    if (keyword === "FROM") {
      const as = args.findIndex((a) => a.toUpperCase() === "AS");
      stages.push({ from: args[0]!, name: as >= 0 ? args[as + 1] : undefined, instructions: [] });
      continue;
    }
    if (!stages.length) {
      if (keyword === "ARG") continue; // ARGs before the first FROM parameterise FROM lines
      throw new Error(`line ${start + 1}: ${keyword} before any FROM`);
    }
    stages.at(-1)!.instructions.push(instruction);
  }
  return stages;
}

/** `image[:tag][@digest]` → its parts (a registry's port is not a tag: `host:5000/name:tag`). */
export function imageRef(ref: string): { name: string; tag?: string; digest?: string } {
  const [nameTag, digest] = ref.split("@") as [string, string | undefined];
  const slash = nameTag.lastIndexOf("/");
  const colon = nameTag.lastIndexOf(":");
  if (colon > slash) return { name: nameTag.slice(0, colon), tag: nameTag.slice(colon + 1), digest };
  return { name: nameTag, digest };
}
