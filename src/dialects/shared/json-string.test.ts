import { expect, test } from "bun:test";
import { jsonString } from "./json-string.ts";

test("jsonString is byte-identical to JSON.stringify: every UTF-16 code unit in short and long strings, and mixes", () => {
  const long = "a longer piece of text";
  for (let c = 0; c < 0x10000; c++) {
    const s = String.fromCharCode(c);
    for (const t of [s, `a${s}b`, long + s, s + long]) expect(jsonString(t)).toBe(JSON.stringify(t));
  }
  for (const s of ["", "hello", " world", "😀", "a\ud83d", "\ude00x", "\u2028\u2029", "tab\there", 'q"uote', "back\\slash", "\u007f\u0080é", "x".repeat(5000)]) {
    expect(jsonString(s)).toBe(JSON.stringify(s));
  }
});
