import { describe, expect, test } from "bun:test";
import { createSseParser, encodeSse, type SseEvent } from "./sse-parser.ts";
import { rng } from "../../test/support/rng.ts";

const enc = new TextEncoder();

function parseAll(chunks: (string | Uint8Array)[]): SseEvent[] {
  const p = createSseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}


describe("createSseParser", () => {
  test("parses events, event names, comments, multi-line data, one leading space stripped", () => {
    const text = ": ping\n\nevent: message_start\ndata: {\"a\":1}\n\ndata: line1\ndata:  two spaces\ndata:nospace\n\n";
    expect(parseAll([text])).toEqual([
      { event: "message_start", data: '{"a":1}' },
      { data: "line1\n two spaces\nnospace" },
    ]);
  });

  test("handles \\r\\n and \\r line endings, and a \\r\\n split across chunks", () => {
    expect(parseAll(["data: a\r\n\r\ndata: b\r\rdata: c\r", "\n\r", "\n"])).toEqual([{ data: "a" }, { data: "b" }, { data: "c" }]);
  });

  test("keeps a UTF-8 character split across chunks intact", () => {
    const bytes = enc.encode("data: héllo €😀\n\n");
    const events = parseAll([bytes.slice(0, 9), bytes.slice(9, 15), bytes.slice(15)]);
    expect(events).toEqual([{ data: "héllo €😀" }]);
  });

  test("delivers a last event without its blank line at end()", () => {
    expect(parseAll(["data: [DONE]\n"])).toEqual([{ data: "[DONE]" }]);
    expect(parseAll(["data: x"])).toEqual([{ data: "x" }]);
  });

  test("an event with no data is not dispatched; field without colon is a field with empty value", () => {
    expect(parseAll(["event: x\n\ndata\n\n"])).toEqual([{ data: "" }]);
  });

  test("field names match exactly: longer or shorter names, a space before the colon, other fields are ignored", () => {
    const text = "datax: no\ndat: no\ndata : no\neventy: no\nevent\nid: 1\nretry: 5\ndata:a\ndata\ndata: b\n\nevent:e\nevent: f\ndata:  c\n\n";
    expect(parseAll([text])).toEqual([{ data: "a\n\nb", event: "" }, { event: "f", data: " c" }]);
    expect(parseAll(["data", ""])).toEqual([{ data: "" }]);
    expect(parseAll(["event: x\ndata: y"])).toEqual([{ event: "x", data: "y" }]);
  });

  test("a chunk that completes no event yields an empty array; events are not repeated", () => {
    const p = createSseParser();
    expect(p.push("data: partial")).toEqual([]);
    expect(p.push(": more\n")).toEqual([]);
    expect(p.push("\n")).toEqual([{ data: "partial: more" }]);
    expect(p.push(": ping\n\n")).toEqual([]);
    expect(p.end()).toEqual([]);
  });

  test("property: random byte splits and random line endings decode identically", () => {
    const random = rng(42);
    for (let round = 0; round < 200; round++) {
      // Build a random stream: events with names, multi-line data (with non-ASCII), comments.
      const events: SseEvent[] = [];
      const lines: string[][] = [];
      const n = 1 + Math.floor(random() * 6);
      for (let i = 0; i < n; i++) {
        const ev: SseEvent = { data: "" };
        const ls: string[] = [];
        if (random() < 0.3) ls.push(": keep-alive comment");
        if (random() < 0.5) {
          ev.event = `ev_${i}`;
          ls.push(`event: ${ev.event}`);
        }
        const dataLines = 1 + Math.floor(random() * 3);
        const parts: string[] = [];
        for (let j = 0; j < dataLines; j++) {
          const s = `{"i":${i},"j":${j},"t":"é€😀 ${"x".repeat(Math.floor(random() * 20))}"}`;
          parts.push(s);
          ls.push(random() < 0.5 ? `data: ${s}` : `data:${s}`);
        }
        ev.data = parts.join("\n");
        events.push(ev);
        lines.push(ls);
      }
      const eol = ["\n", "\r\n", "\r"][Math.floor(random() * 3)]!;
      const text = lines.map((ls) => ls.join(eol) + eol + eol).join("");
      const bytes = enc.encode(text);
      const chunks: Uint8Array[] = [];
      let pos = 0;
      while (pos < bytes.length) {
        const size = 1 + Math.floor(random() * 12);
        chunks.push(bytes.slice(pos, pos + size));
        pos += size;
      }
      expect(parseAll(chunks)).toEqual(events);
      expect(parseAll([bytes])).toEqual(events);
    }
  });
});

describe("encodeSse", () => {
  test("writes event and data lines; splits multi-line data", () => {
    expect(encodeSse("ping", '{"type":"ping"}')).toBe('event: ping\ndata: {"type":"ping"}\n\n');
    expect(encodeSse(undefined, "a\nb")).toBe("data: a\ndata: b\n\n");
    expect(parseAll([encodeSse("x", "a\r\nb")])).toEqual([{ event: "x", data: "a\nb" }]);
  });
});
