/**
 * Validation of client bodies against a dialect's TypeBox schema. Compiled once per dialect
 * (createValidator is called when the dialect module is built, not per request). The first error
 * becomes a GatewayError 400 whose `param` is the JSON path in the dialect's own spelling
 * (`messages[2].content`).
 */
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { invalidRequest } from "../../errors.ts";

export function pointerToParam(pointer: string): string {
  let out = "";
  for (const seg of pointer.split("/").slice(1)) {
    const s = seg.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(s) ? `[${s}]` : out ? `.${s}` : s;
  }
  return out;
}

export function createValidator(schema: TSchema): (body: unknown) => void {
  const compiled = TypeCompiler.Compile(schema);
  return (body) => {
    if (compiled.Check(body)) return;
    const first = compiled.Errors(body).First();
    const param = first ? pointerToParam(first.path) : undefined;
    throw invalidRequest(
      first ? `Invalid request body: ${param || "body"}: ${first.message}` : "Invalid request body",
      param || undefined,
    );
  };
}
