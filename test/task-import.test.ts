/**
 * `quicklearn task import` and `task show` end to end through main() (issue 15): a CSV with quotes,
 * embedded newlines, unicode and a BOM, and a JSON-lines file with several references per instance,
 * imported into one collection that `data build`, `encode` and a study's `superni:` then read.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { TICKETS } from "./helpers/own-tasks.js";

let dir: string;
let collection: string;
beforeAll(async () => {
  // main() listens for EPIPE on stdout once per call; this file calls it more than Node's default 10 times.
  process.stdout.setMaxListeners(100);
  dir = await mkdtemp(join(tmpdir(), "ql-task-import-"));
  collection = join(dir, "my-tasks");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const QA = [
  { q: "What is the capital of France?", answers: ["Paris", "paris, France"] },
  { q: "2 + 2 = ?", answers: ["4", "four"] },
  { q: "Name a primary colour.", answers: ["red", "blue", "yellow"] },
  { q: "Übersetze: cat", answers: ["Katze"] },
]
  .map((r) => JSON.stringify(r))
  .join("\n");

describe("quicklearn task import into a collection", () => {
  it("imports a CSV with quotes, newlines, unicode and a BOM, drawing positive examples out of the instances", async () => {
    const r = await runCli([
      "task",
      "import",
      await file("tickets.csv", TICKETS),
      "--out",
      collection,
      "--name",
      "task9001_ticket_routing",
      "--input",
      "text",
      "--output",
      "team",
      "--id",
      "ticket_id",
      "--definition",
      'Route the support ticket to the team that handles it. Answer "it" or "finance".',
      "--positive-examples",
      "2",
      "--category",
      "Text Categorization",
      "--json",
    ]);
    expect(r.stderr).toMatch(
      /wrote .*task9001_ticket_routing\.json: 128 instances, 128 references, 2 positive examples/,
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      task: "task9001_ticket_routing",
      format: "csv",
      rows: 130,
      instances: 128,
      positive_examples: 2,
      examples_from: "data",
      category: "Text Categorization",
      test_tasks: ["task9001_ticket_routing"],
    });
    const task = JSON.parse(
      await readFile(join(collection, "tasks", "task9001_ticket_routing.json"), "utf8"),
    );
    const byId = new Map<string, { input: string; output: string[] }>(
      task.Instances.map((i: { id: string }) => [i.id, i]),
    );
    const examples: { input: string }[] = task["Positive Examples"];
    const all = [...byId.values(), ...examples] as { input: string }[];
    expect(all.map((x) => x.input)).toContain('Printer says "PC LOAD LETTER", again\r\nthird time today');
    expect(all.map((x) => x.input)).toContain("Réunion annulée — remboursement du billet ?");
    expect(all.map((x) => x.input)).toContain("请重置我的密码");
    // No example is also an instance; instance order is the file's.
    for (const ex of examples) expect([...byId.values()].map((i) => i.input)).not.toContain(ex.input);
    const ids = [...byId.keys()];
    expect(ids).toEqual([...ids].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  });

  it("adds a JSON-lines task with several references per instance to the same collection", async () => {
    const r = await runCli([
      "task",
      "import",
      await file("qa.jsonl", QA),
      "--out",
      collection,
      "--name",
      "task9002_trivia",
      "--input",
      "q",
      "--output",
      "answers",
      "--definition",
      "Answer the question.",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/lists 2 test tasks/);
    expect(await readFile(join(collection, "splits", "default", "test_tasks.txt"), "utf8")).toBe(
      "task9001_ticket_routing\ntask9002_trivia\n",
    );
    const task = JSON.parse(await readFile(join(collection, "tasks", "task9002_trivia.json"), "utf8"));
    expect(task.Instances[0]).toEqual({
      id: "task9002_trivia-1",
      input: "What is the capital of France?",
      output: ["Paris", "paris, France"],
    });
  });

  it("re-importing with --force replaces the task and lists it once", async () => {
    const args = ["task", "import", join(dir, "qa.jsonl"), "--out", collection, "--name", "task9002_trivia"];
    const cols = ["--input", "q", "--output", "answers", "--definition", "Answer briefly."];
    const refused = await runCli([...args, ...cols]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^quicklearn: error: .*task9002_trivia\.json: task "task9002_trivia" already exists\n/,
    );
    const forced = await runCli([...args, ...cols, "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^replaced /);
    expect(await readFile(join(collection, "splits", "default", "test_tasks.txt"), "utf8")).toBe(
      "task9001_ticket_routing\ntask9002_trivia\n",
    );
  });

  it("task show prints counts, reference lengths, the definition, examples and instances", async () => {
    const r = await runCli(["task", "show", collection, "task9002_trivia"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^task9002_trivia \(/);
    expect(r.stdout).toMatch(/instances: 4 \(small task: all 4 serve as train, validation and test\)/);
    expect(r.stdout).toMatch(/references: 8, 8 distinct; per instance min 1, median 2, mean 2, max 3/);
    expect(r.stdout).toMatch(/Definition:\n {2}Answer briefly\./);
    expect(r.stdout).toMatch(
      /Instances \(first 3 of 4\):\n {2}task9002_trivia-1\n {4}input: What is the capital of France\?/,
    );

    const j = await runCli([
      "task",
      "show",
      collection,
      "task9001_ticket_routing",
      "--json",
      "--instances",
      "1",
    ]);
    expect(j.code).toBe(0);
    const s = JSON.parse(j.stdout);
    expect(s).toMatchObject({
      task: "task9001_ticket_routing",
      category: "Text Categorization",
      instances: 128,
      negative_examples: 0,
      split: { test: 100, validation: 10, train: 18, small: false },
      references: { total: 128, distinct: 2, words: { min: 1, max: 1 } },
    });
    expect(s.positive_examples).toHaveLength(2);
    expect(s.references.most_common.map((x: { output: string }) => x.output).sort()).toEqual([
      "finance",
      "it",
    ]);
    expect(s.sample).toHaveLength(1);
  });

  it("the collection is a SuperNI checkout for data build, encode and a study's superni:", async () => {
    const build = join(dir, "build");
    const b = await runCli([
      "data",
      "build",
      "--superni",
      collection,
      "--out",
      build,
      "--budgets",
      "10,all",
      "--encodings",
      "thesis-def-pos,plain",
      "--no-prefinetune",
      "--json",
    ]);
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ tasks: 2, small_tasks: ["task9002_trivia"] });
    const test = (await readFile(join(build, "thesis-def-pos", "task9002_trivia", "test.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(test[0].references).toEqual(["Paris", "paris, France"]);
    expect(test[0].source).toMatch(/^Definition: Answer briefly\.\n/);
    expect(test[3].source).toContain("Übersetze: cat");
    expect(await readdir(join(build, "plain", "task9001_ticket_routing"))).toEqual(
      expect.arrayContaining(["test.jsonl", "train.10.jsonl", "train.all.jsonl"]),
    );

    const e = await runCli([
      "encode",
      "--superni",
      collection,
      "--task",
      "task9001_ticket_routing",
      "--encoding",
      "thesis-def-pos",
      "--json",
    ]);
    expect(e.code).toBe(0);
    const lines = e.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(100);
    const task = JSON.parse(
      await readFile(join(collection, "tasks", "task9001_ticket_routing.json"), "utf8"),
    );
    for (const ex of task["Positive Examples"] as { input: string; output: string }[]) {
      expect(lines[0].source).toContain(`input: ${ex.input}\noutput: ${ex.output}\n`);
      // The drawn examples are not test instances: none is shown in its own prompt.
      expect(lines.filter((l) => l.source.endsWith(`input: ${ex.input}\noutput: `))).toEqual([]);
    }

    const spec = await file(
      "study.yaml",
      [
        "name: my-tickets",
        "superni: ./my-tasks",
        "arms:",
        "  - name: inst",
        "    role: instruction-tuned",
        "    model: google/flan-t5-small",
        "    encoding: thesis-def-pos",
        "    settings: [stl]",
        "    budgets: ['10', all]",
      ].join("\n"),
    );
    const p = await runCli(["plan", spec, "--json"]);
    expect(p.code).toBe(0);
    const plan = JSON.parse(p.stdout);
    expect(new Set(plan.runs.map((x: { task: string }) => x.task))).toEqual(
      new Set(["task9001_ticket_routing", "task9002_trivia"]),
    );
    expect(plan.totals.estimated).toBe(false);
  });
});

describe("bad input: one line naming file, line or row and field; exit 2; nothing written", () => {
  const cases: [string, () => Promise<string[]>, RegExp][] = [
    [
      "missing column",
      async () => [await file("m.csv", "text,label\na,b\n"), "--input", "text", "--output", "topic"],
      /m\.csv: no column "topic" \(--output\); the columns are: "text", "label"$/,
    ],
    [
      "empty file",
      async () => [await file("empty.csv", ""), "--input", "a", "--output", "b"],
      /empty\.csv: empty file$/,
    ],
    [
      "ragged CSV row",
      async () => [await file("r.csv", "a,b\n1,2\n3,4,5\n"), "--input", "a", "--output", "b"],
      /r\.csv:3 \(row 2\): 3 fields, but the header on line 1 has 2$/,
    ],
    [
      "empty input cell",
      async () => [await file("ei.csv", "a,b\n1,2\n,4\n"), "--input", "a", "--output", "b"],
      /ei\.csv:3 \(row 2\): column "a": empty input cell$/,
    ],
    [
      "empty output cell",
      async () => [
        await file("eo.jsonl", '{"a":"x","b":"y"}\n{"a":"z","b":""}\n'),
        "--input",
        "a",
        "--output",
        "b",
      ],
      /eo\.jsonl:2 \(row 2\): column "b": empty output cell$/,
    ],
    [
      "duplicate id",
      async () => [
        await file("d.csv", "id,a,b\n7,x,y\n8,x,y\n7,z,w\n"),
        "--input",
        "a",
        "--output",
        "b",
        "--id",
        "id",
      ],
      /d\.csv:4 \(row 3\): column "id": duplicate id "7" \(first on row 1\)$/,
    ],
    [
      "not UTF-8",
      async () => [
        await file(
          "latin1.tsv",
          Buffer.concat([Buffer.from("a\tb\nna"), Buffer.from([0xef, 0x76]), Buffer.from("e\tx\n")]),
        ),
        "--input",
        "a",
        "--output",
        "b",
      ],
      /latin1\.tsv:2: not valid UTF-8: invalid byte 0xef at byte offset 6$/,
    ],
    [
      "invalid task name",
      async () => [await file("n.csv", "a,b\n1,2\n"), "--input", "a", "--output", "b", "--name", "../escape"],
      /--name "\.\.\/escape": not a valid task file name$/,
    ],
    [
      "more positive examples than rows",
      async () => [
        await file("p.csv", "a,b\n1,2\n3,4\n"),
        "--input",
        "a",
        "--output",
        "b",
        "--positive-examples",
        "5",
      ],
      /p\.csv: --positive-examples 5 is more than the file's 2 rows can give/,
    ],
    [
      "missing --definition-file",
      async () => [
        await file("f.csv", "a,b\n1,2\n"),
        "--input",
        "a",
        "--output",
        "b",
        "--definition-file",
        join(dir, "nope.txt"),
      ],
      /--definition-file .*nope\.txt: file not found$/,
    ],
    [
      "--definition with --definition-file",
      async () => [
        await file("g.csv", "a,b\n1,2\n"),
        "--input",
        "a",
        "--output",
        "b",
        "--definition",
        "x",
        "--definition-file",
        "y",
      ],
      /--definition and --definition-file: give one of them, not both$/,
    ],
    [
      "negative --positive-examples",
      async () => [
        await file("h.csv", "a,b\n1,2\n"),
        "--input",
        "a",
        "--output",
        "b",
        "--positive-examples",
        "-1",
      ],
      /--positive-examples -1: expected a whole number >= 0$/,
    ],
  ];

  it.each(cases)("%s", async (_, args, message) => {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    const given = await args();
    const name = given.includes("--name") ? [] : ["--name", "task1_x"];
    const r = await runCli(["task", "import", ...given, "--out", out, ...name]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const [first, ...rest] = r.stderr.trimEnd().split("\n");
    expect(first).toMatch(/^quicklearn: error: /);
    expect(first).toMatch(message);
    expect(rest.every((l) => l.startsWith("  hint: "))).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it("an existing task without --force is refused and left as it was", async () => {
    const before = await readFile(join(collection, "tasks", "task9001_ticket_routing.json"), "utf8");
    const r = await runCli([
      "task",
      "import",
      join(dir, "qa.jsonl"),
      "--out",
      collection,
      "--name",
      "task9001_ticket_routing",
      "--input",
      "q",
      "--output",
      "answers",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/task "task9001_ticket_routing" already exists\n {2}hint: pass --force/);
    expect(await readFile(join(collection, "tasks", "task9001_ticket_routing.json"), "utf8")).toBe(before);
  });

  it("task show names a task that is not there", async () => {
    const r = await runCli(["task", "show", collection, "task9999_absent"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^quicklearn: error: .*task9999_absent\.json: file not found/);
  });
});
