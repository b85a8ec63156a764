import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import { readPredictionRows } from "./rows.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-rows-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(content: string) {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(file, content);
  const out = [];
  for await (const row of readPredictionRows(file)) out.push(row);
  return out;
}

const ok = (o: Record<string, unknown> = {}) =>
  JSON.stringify({ task: "t", id: "1", prediction: "p", references: ["r"], ...o });

describe("readPredictionRows", () => {
  it("reads rows with line numbers, skipping blank lines, splitting on \\n only", async () => {
    const rows = await read(
      `${ok({ prediction: "a\u2028b\u0085c" })}\n\n${ok({ id: "2", category: "C" })}\r\n`,
    );
    expect(rows).toEqual([
      { line: 1, task: "t", id: "1", prediction: "a\u2028b\u0085c", references: ["r"] },
      { line: 3, task: "t", id: "2", prediction: "p", references: ["r"], category: "C" },
    ]);
  });

  it.each([
    ["{not json", /:2: invalid JSON/],
    ['["a"]', /:2: expected a JSON object/],
    [JSON.stringify({ task: "t", id: "2", references: ["r"] }), /:2: missing field "prediction"/],
    [ok({ id: 2 }), /:2: field "id" must be a string/],
    [ok({ id: "2", references: [] }), /:2: field "references" must be a non-empty list of strings/],
    [ok({ id: "2", references: "r" }), /:2: field "references" must be a non-empty list of strings/],
    [ok({ id: "2", references: ["r", 3] }), /:2: field "references" must be a non-empty list of strings/],
    [ok({ id: "2", category: 5 }), /:2: field "category" must be a string/],
    [ok(), /:2: duplicate instance \(task "t", id "1"\), first seen on line 1/],
  ])("rejects %s with a UserError naming the line", async (line, message) => {
    const error = await read(`${ok()}\n${line}\n`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses bytes that are not UTF-8, naming the line and byte; latin1 reads them when asked (issue 18)", async () => {
    const file = join(dir, "latin1.jsonl");
    const second = Buffer.from(ok({ id: "2", prediction: "caf\u00e9 au lait" }), "latin1");
    const first = Buffer.from(ok() + "\n");
    await writeFile(file, Buffer.concat([first, second, Buffer.from("\n")]));
    const at = first.length + second.indexOf(0xe9);
    await expect(readAll(file)).rejects.toThrow(
      new RegExp(`latin1\\.jsonl:2: not valid UTF-8: invalid byte 0xe9 at byte offset ${at}$`),
    );
    const rows = [];
    for await (const row of readPredictionRows(file, { encoding: "latin1" })) rows.push(row);
    expect(rows.map((r) => r.prediction)).toEqual(["p", "caf\u00e9 au lait"]);
  });

  it("finds a bad byte past the first read block, and on a last line without a newline", async () => {
    const file = join(dir, "big.jsonl");
    const lines = Array.from({ length: 30_000 }, (_, i) => ok({ id: String(i), prediction: "x".repeat(40) }));
    const head = Buffer.from(lines.join("\n") + "\n");
    expect(head.length).toBeGreaterThan(1 << 21);
    await writeFile(file, Buffer.concat([head, Buffer.from('{"task": "t\xff', "latin1")]));
    await expect(readAll(file)).rejects.toThrow(
      new RegExp(`big\\.jsonl:30001: not valid UTF-8: invalid byte 0xff at byte offset ${head.length + 11}$`),
    );
  });

  it("names a missing file", async () => {
    await expect(readAll(join(dir, "missing.jsonl"))).rejects.toThrow(/file not found/);
  });
});

async function readAll(path: string) {
  for await (const _ of readPredictionRows(path)) void _;
}
