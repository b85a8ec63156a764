import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureTask, makeCheckout } from "../../test/fixtures/superni-bad/checkout.js";
import { UserError } from "../util/errors.js";
import { loadCheckout, readTask, validateTask } from "./index.js";
import { firstInvalidUtf8, jsonErrorPosition } from "./read.js";

/** The UserError message thrown by fn (fails the test if fn does not throw a UserError). */
async function userError(fn: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg).not.toContain("\n");
    return msg;
  }
  throw new Error("expected a UserError");
}

async function readBad(content: unknown): Promise<string> {
  const dir = await makeCheckout({ tasks: { task1_x: content as never }, test: [] });
  return userError(() => readTask({ dir, testTasks: [], trainTasks: [], excludedTasks: [] }, "task1_x"));
}

describe("loadCheckout", () => {
  it("reads splits in file order, keeps present train tasks, lists excluded", async () => {
    const dir = await makeCheckout({
      tasks: { task2_b: fixtureTask(3), task1_a: fixtureTask(3), task9_t: fixtureTask(2) },
      test: ["task2_b", "task1_a"],
      train: ["task8_absent", "task9_t"],
      excluded: ["task7_gone"],
    });
    const c = await loadCheckout(dir);
    expect(c).toEqual({
      dir,
      testTasks: ["task2_b", "task1_a"],
      trainTasks: ["task9_t"],
      excludedTasks: ["task7_gone"],
    });
  });

  it("fails when a test task named in the split has no file, naming the split file and line", async () => {
    const dir = await makeCheckout({
      tasks: { task1_a: fixtureTask(3) },
      test: ["task1_a", "task5_missing"],
    });
    const msg = await userError(() => loadCheckout(dir));
    expect(msg).toContain(join(dir, "splits", "default", "test_tasks.txt") + ":2");
    expect(msg).toContain('"task5_missing"');
    expect(msg).toContain(join(dir, "tasks", "task5_missing.json"));
  });

  it("fails on a folder that is not a checkout", async () => {
    expect(await userError(() => loadCheckout("/nonexistent/superni"))).toContain("/nonexistent/superni");
  });
});

describe("readTask / validateTask", () => {
  it("keeps Definition[0], positive examples, Categories[0] and instances in file order", async () => {
    const dir = await makeCheckout({
      tasks: { task1_a: fixtureTask(2, "Title Generation") },
      test: ["task1_a"],
    });
    const t = await readTask(await loadCheckout(dir), "task1_a");
    expect(t).toEqual({
      name: "task1_a",
      definition: "Decide.",
      positiveExamples: [
        { input: "p1", output: "yes" },
        { input: "p2", output: "no" },
      ],
      categories: ["Title Generation"],
      category: "Title Generation",
      instances: [
        { id: "i0", input: "in 0", output: ["out 0", "alt 0"] },
        { id: "i1", input: "in 1", output: ["out 1", "alt 1"] },
      ],
    });
  });

  it("reports invalid JSON with file, line and column", async () => {
    const msg = await readBad('{\n "Definition": ["x"],\n "Categories": ["c"] "Instances": []\n}');
    expect(msg).toMatch(/task1_x\.json: invalid JSON at line 3:22 \(offset 45\): Expected ',' or '}'/);
  });

  it("reports an unexpected token with its position (V8 quotes the text instead of an offset)", async () => {
    const text = '{"Definition": ["' + "a".repeat(50) + '"], "Categories": x}';
    const msg = await readBad(text);
    expect(msg).toContain(`invalid JSON at line 1:${text.indexOf("x}") + 1}`);
    expect(msg).toContain("Unexpected token 'x'");
  });

  it("reports truncated JSON at its end", async () => {
    expect(await readBad('{"Definition": ["x"]')).toMatch(/invalid JSON at line 1:21 \(offset 20\)/);
  });

  it("rejects a missing Definition", async () => {
    const { Definition: _, ...rest } = fixtureTask(2);
    expect(await readBad(rest)).toMatch(/task1_x\.json: Definition: missing/);
  });

  it("rejects an empty Definition (empty list or blank text)", async () => {
    expect(await readBad({ ...fixtureTask(2), Definition: [] })).toMatch(
      /task1_x\.json: Definition: empty list/,
    );
    expect(await readBad({ ...fixtureTask(2), Definition: ["  \n"] })).toMatch(
      /task1_x\.json: Definition\[0\]: must not be empty/,
    );
  });

  it("rejects empty Instances", async () => {
    expect(await readBad({ ...fixtureTask(2), Instances: [] })).toMatch(
      /task1_x\.json: Instances: empty list/,
    );
  });

  it("rejects an output that is not a list of strings", async () => {
    const bad = fixtureTask(3);
    (bad.Instances as { output: unknown }[])[1]!.output = "yes";
    expect(await readBad(bad)).toMatch(
      /task1_x\.json: Instances\[1\]\.output: expected a list of strings, got a string/,
    );
    (bad.Instances as { output: unknown }[])[1]!.output = ["yes", 3];
    expect(await readBad(bad)).toMatch(
      /task1_x\.json: Instances\[1\]\.output\[1\]: expected a string, got a number/,
    );
    (bad.Instances as { output: unknown }[])[1]!.output = [];
    expect(await readBad(bad)).toMatch(/Instances\[1\]\.output: empty list/);
  });

  it("rejects duplicate instance ids, naming both", async () => {
    const bad = fixtureTask(4);
    (bad.Instances as { id: string }[])[3]!.id = "i1";
    expect(await readBad(bad)).toMatch(
      /task1_x\.json: Instances\[3\]\.id: duplicate id "i1" \(first used by Instances\[1\]\)/,
    );
  });

  it("rejects non-UTF-8 bytes with the byte offset", async () => {
    const good = Buffer.from(JSON.stringify(fixtureTask(2)));
    const at = good.indexOf("Decide");
    const bad = Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at)]);
    expect(await readBad(new Uint8Array(bad))).toMatch(
      new RegExp(`task1_x\\.json:1: not valid UTF-8: invalid byte 0xff at byte offset ${at}`),
    );
  });

  it("names the lead byte of a Latin-1 character, not the byte after it (issue 18)", async () => {
    const good = Buffer.from(JSON.stringify(fixtureTask(2), null, 2));
    const at = good.indexOf("Decide") + 3;
    // "Dec\xe9ide": 0xe9 (Latin-1 é) starts a 3-byte sequence that "i" does not continue.
    const bad = Buffer.concat([good.subarray(0, at), Buffer.from([0xe9]), good.subarray(at)]);
    const line = good.subarray(0, at).toString().split("\n").length;
    expect(await readBad(new Uint8Array(bad))).toMatch(
      new RegExp(`task1_x\\.json:${line}: not valid UTF-8: invalid byte 0xe9 at byte offset ${at}$`),
    );
  });

  it("validateTask names the file and field for a non-object", () => {
    expect(() => validateTask([1], "f.json")).toThrow(
      /^f\.json: \(top level\): expected a object, got a list$/,
    );
    expect(() => validateTask({ ...fixtureTask(1), Categories: [] }, "f.json")).toThrow(
      /f\.json: Categories/,
    );
  });
});

describe("UTF-8 and JSON position helpers", () => {
  it("finds the first invalid UTF-8 byte (overlong, surrogate, truncated)", () => {
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xc3, 0xa9, 0x62]))).toBe(4);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xe9, 0x20, 0x62]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xe2, 0x82]))).toBe(1);
  });

  it("recovers offsets from every V8 message shape", () => {
    expect(jsonErrorPosition("Unexpected end of JSON input", "{")).toBe(1);
    expect(jsonErrorPosition("Bad control character in string literal in JSON at position 8", "")).toBe(8);
    expect(jsonErrorPosition(`Unexpected token '}', "{"a": tru}" is not valid JSON`, '{"a": tru}')).toBe(9);
  });
});
