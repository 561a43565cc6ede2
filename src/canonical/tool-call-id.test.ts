import { describe, expect, test } from "bun:test";
import { idsWithoutSignatureInJson, idWithoutSignature, idWithSignature, splitToolCallId } from "./tool-call-id.ts";

describe("signatures carried in tool-call ids, taken out for other upstreams", () => {
  const sig = Buffer.from("a signature of some length").toString("base64");
  const text = Buffer.from("not base64 at all: é").toString("utf8");

  test("idWithoutSignature: the call's own id; other ids unchanged", () => {
    expect(idWithoutSignature(idWithSignature("call_1", sig))).toBe("call_1");
    expect(idWithoutSignature(idWithSignature("run_shell_command_17_0", text))).toBe("run_shell_command_17_0");
    for (const id of ["call_abc", "toolu_01", "gsig", "gsig3_bab", "gsigx_y_z"]) expect(idWithoutSignature(id)).toBe(id);
  });

  test("idsWithoutSignatureInJson: every id that starts a JSON string; text mentioning one is left alone", () => {
    const a = idWithSignature("call_1", sig);
    const b = idWithSignature("toolu_2", text);
    const body = JSON.stringify({
      messages: [
        { role: "assistant", tool_calls: [{ id: a }, { id: b }] },
        { role: "tool", tool_call_id: a, content: `the id was "${a}"` },
      ],
    });
    const out = JSON.parse(idsWithoutSignatureInJson(body));
    expect(out.messages[0].tool_calls.map((c: any) => c.id)).toEqual(["call_1", "toolu_2"]);
    expect(out.messages[1].tool_call_id).toBe("call_1");
    expect(out.messages[1].content).toBe(`the id was "${a}"`);
    const plain = JSON.stringify({ id: "gsig4_bxyz_", other: "gsig9_bx_y", third: "gsig2_b!_y" });
    expect(idsWithoutSignatureInJson(plain)).toBe(plain);
    expect(splitToolCallId(a)).toEqual({ id: "call_1", signature: sig });
  });
});
