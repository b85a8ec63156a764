/** `quicklearn score` end to end through main(): the contract of issue 3 as written. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { DEMO_SUPERNI } from "./helpers/superni.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-score-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, lines: unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return path;
}

const rows = [
  { task: "task1", id: "a", prediction: "The cat.", references: ["the cat", "a dog"] },
  { task: "task1", id: "b", prediction: "dogs", references: ["a dog"] },
  { task: "task2", id: "a", prediction: "an apple", references: ["the apple"], category: "Word Analogy" },
];

describe("quicklearn score", () => {
  it("--json prints one object with overall, overall_macro, tasks and categories in percent", async () => {
    const r = await runCli(["score", await file("p.jsonl", rows), "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(["overall", "overall_macro", "tasks", "categories"]);
    expect(report.overall).toEqual({
      exact_match: 100 / 3,
      rouge1: expect.any(Number),
      rougeL: expect.any(Number),
      n: 3,
    });
    expect(Object.keys(report.overall_macro)).toEqual(["exact_match", "rouge1", "rougeL", "n"]);
    expect(report.tasks.task1.exact_match).toBe(50);
    expect(report.tasks.task1.rougeL).toBe((100 * (1 + 2 / 3)) / 2); // "dogs" vs "a dog": P 1, R 1/2
    expect(report.categories).toEqual({
      unknown: expect.objectContaining({ n: 2 }),
      "Word Analogy": expect.objectContaining({ n: 1 }),
    });
    expect(r.stderr).toMatch(/without a category/);
  });

  it("--variant thesis removes articles in exact match and scores the first reference", async () => {
    const r = await runCli(["score", await file("p.jsonl", rows), "--variant", "thesis", "--json"]);
    const report = JSON.parse(r.stdout);
    expect(report.tasks.task2.exact_match).toBe(100);
    expect(report.tasks.task1.exact_match).toBe(50);
    expect(report.overall_macro.exact_match).toBe(75);
  });

  it("prints a readable table; --per-task adds the tasks", async () => {
    const path = await file("p.jsonl", rows);
    const plain = await runCli(["score", path]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/overall \(mean over instances\)\s+33\.33/);
    expect(plain.stdout).toMatch(/Word Analogy/);
    expect(plain.stdout).not.toMatch(/task2/);
    expect((await runCli(["score", path, "--per-task"])).stdout).toMatch(
      /task2\s+0\.00\s+50\.00\s+50\.00\s+1/,
    );
  });

  it("--superni DIR gives categories from the task files", async () => {
    const path = await file("s.jsonl", [
      { task: "task020_mctaco_span_based_question", id: "1", prediction: "no", references: ["No."] },
    ]);
    const report = JSON.parse((await runCli(["score", path, "--json", "--superni", DEMO_SUPERNI])).stdout);
    expect(Object.keys(report.categories)).toEqual(["Answerability Classification"]);
  });

  it.each([
    ["invalid JSON", ["{oops"], /p\.jsonl:2: invalid JSON/],
    ["a missing field", [{ task: "t", id: "x", references: ["r"] }], /:2: missing field "prediction"/],
    [
      "empty references",
      [{ task: "t", id: "x", prediction: "p", references: [] }],
      /:2: field "references" must be a non-empty list/,
    ],
    [
      "a duplicate (task, id)",
      [{ task: "task1", id: "a", prediction: "p", references: ["r"] }],
      /:2: duplicate instance/,
    ],
  ])("rejects %s: names the line, exits non-zero, prints no figures", async (_what, bad, message) => {
    const r = await runCli(["score", await file("p.jsonl", [rows[0], ...bad]), "--json"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });

  it("rejects a bad --variant and an empty file", async () => {
    expect((await runCli(["score", await file("p.jsonl", rows), "--variant", "rouge"])).code).not.toBe(0);
    const empty = await runCli(["score", await file("e.jsonl", [])]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toMatch(/no predictions/);
  });
});

describe("quicklearn score on a file that is not UTF-8 (issue 18)", () => {
  it("refuses it naming the line and byte, and reads it with --encoding latin1", async () => {
    const path = join(dir, "latin1.jsonl");
    const text = rows
      .map((r) => JSON.stringify({ ...r, prediction: `${r.prediction} caf\u00e9` }))
      .join("\n");
    await writeFile(path, Buffer.from(text + "\n", "latin1"));
    const refused = await runCli(["score", path, "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(
      /latin1\.jsonl:1: not valid UTF-8: invalid byte 0xe9 at byte offset \d+\n/,
    );
    expect(refused.stderr).toMatch(/--encoding latin1/);
    const read = await runCli(["score", path, "--encoding", "latin1", "--json"]);
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout).overall.n).toBe(3);
  });
});
