/**
 * A change to the configuration that cannot be made, from the functions in this folder that the CLI and the admin
 * API share. `field` is the item's field the message is about (the admin API's `param`); each surface maps the
 * kind to its own answer: the CLI to an exit code (src/cli/base-command.ts), the admin API to a status.
 * - `invalid`: a bad value (CLI exit 2, HTTP 400)
 * - `conflict`: the value clashes with another item, a name already in use (CLI exit 2, HTTP 409)
 * - `not_found`: no such item, or a name several items share (CLI exit 1, HTTP 404)
 */
export type EditErrorKind = "invalid" | "conflict" | "not_found";

export class EditError extends Error {
  constructor(
    readonly kind: EditErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "EditError";
  }
}

/**
 * What each surface calls a field in its messages: the CLI its options (`rate_limit_rpm` → `--rpm`), the admin API
 * the JSON field itself (no entry).
 */
export type FieldNames = Partial<Record<string, string>>;

export interface EditOptions {
  /** Names of fields as the caller's user knows them (default: the config's field names). */
  names?: FieldNames;
  /** Add or rename even when another item of the same kind has the name. */
  force?: boolean;
  /**
   * How to say "or force it" to this surface's user (the CLI: "add --force to add one more"); absent: the name must
   * be free.
   */
  forceHint?: string;
}

export const fieldName = (names: FieldNames | undefined, field: string): string => names?.[field] ?? field;

export const invalid = (names: FieldNames | undefined, field: string, message: (label: string) => string) =>
  new EditError("invalid", message(fieldName(names, field)), field);
