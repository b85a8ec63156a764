import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../util/errors.js";
import { venvPython } from "../../util/paths.js";
import { loadCheckout, readTask } from "../index.js";
import { importTask, type ImportOptions } from "./index.js";

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-import-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A data file in the test folder. */
async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** A fresh collection folder (not created yet). */
function out(): string {
  return join(dir, `collection-${++n}`);
}

const CSV = "text,label,key\nthe cat sat,animal,k1\nsell stocks now,finance,k2\na dog barked,animal,k3\n";

function opts(over: Partial<ImportOptions> & { file: string }): ImportOptions {
  return { out: out(), name: "task9001_topics", input: "text", output: "label", ...over };
}

async function userError(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message.replaceAll(dir + "/", "");
  }
  throw new Error("expected a UserError");
}

/** Import must fail with a message matching `pattern`, and leave no collection folder behind. */
async function rejects(o: ImportOptions, pattern: RegExp | string): Promise<void> {
  const message = await userError(() => importTask(o));
  if (typeof pattern === "string") expect(message).toBe(pattern);
  else expect(message).toMatch(pattern);
  expect(existsSync(o.out)).toBe(false);
}

async function taskJson(o: ImportOptions): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(o.out, "tasks", `${o.name}.json`), "utf8"));
}

describe("importTask", () => {
  it("writes a SuperNI task file and the split layout that the checkout loader reads", async () => {
    const o = opts({
      file: await file("topics.csv", CSV),
      definition: "Name the topic.",
      category: "Text Categorization",
    });
    const result = await importTask(o);
    expect(result).toMatchObject({
      task: "task9001_topics",
      rows: 3,
      instances: 3,
      positive_examples: 0,
      examples_from: "none",
      replaced: false,
      test_tasks: ["task9001_topics"],
    });
    expect(await taskJson(o)).toEqual({
      Contributors: [],
      Source: ["topics.csv"],
      URL: [],
      Categories: ["Text Categorization"],
      Reasoning: [],
      Definition: ["Name the topic."],
      Input_language: [],
      Output_language: [],
      Instruction_language: [],
      Domains: [],
      "Positive Examples": [],
      "Negative Examples": [],
      Instances: [
        { id: "task9001_topics-1", input: "the cat sat", output: ["animal"] },
        { id: "task9001_topics-2", input: "sell stocks now", output: ["finance"] },
        { id: "task9001_topics-3", input: "a dog barked", output: ["animal"] },
      ],
      "Instance License": [],
    });
    expect(await readFile(join(o.out, "splits", "default", "test_tasks.txt"), "utf8")).toBe(
      "task9001_topics\n",
    );
    expect(await readFile(join(o.out, "splits", "default", "train_tasks.txt"), "utf8")).toBe("");
    const checkout = await loadCheckout(o.out);
    expect(checkout.testTasks).toEqual(["task9001_topics"]);
    expect((await readTask(checkout, "task9001_topics")).category).toBe("Text Categorization");
  });

  it("takes ids from --id, splits references on --output-sep, and writes a generic definition when none is given", async () => {
    const o = opts({
      file: await file("sep.csv", "q,a,id\nhi,hello | hey,x1\nbye, ciao ,x2\n"),
      input: "q",
      output: "a",
      id: "id",
      outputSep: "|",
    });
    const result = await importTask(o);
    expect(result.default_definition).toBe(true);
    const doc = await taskJson(o);
    expect(doc.Definition).toEqual(["Given the q, write the a."]);
    expect(doc.Categories).toEqual(["Misc."]);
    expect(doc.Instances).toEqual([
      { id: "x1", input: "hi", output: ["hello", "hey"] },
      { id: "x2", input: "bye", output: ["ciao"] },
    ]);
  });

  it("reads several references from a JSON list in JSON lines, and numbers and booleans as text", async () => {
    const jsonl =
      '{"question":"2+2?","answers":["4","four"]}\n{"question":"true?","answers":[true]}\n{"question":7,"answers":"seven"}\n';
    const o = opts({
      file: await file("qa.jsonl", jsonl),
      input: "question",
      output: "answers",
      definition: "Answer.",
    });
    await importTask(o);
    expect((await taskJson(o)).Instances).toEqual([
      { id: "task9001_topics-1", input: "2+2?", output: ["4", "four"] },
      { id: "task9001_topics-2", input: "true?", output: ["true"] },
      { id: "task9001_topics-3", input: "7", output: ["seven"] },
    ]);
  });

  it("reads the definition from --definition-file, without its final newline", async () => {
    const o = opts({
      file: await file("d.csv", CSV),
      definitionFile: await file("def.txt", "Name the topic.\nOne word.\n"),
    });
    await importTask(o);
    expect((await taskJson(o)).Definition).toEqual(["Name the topic.\nOne word."]);
  });
});

describe("positive examples", () => {
  const rows = Array.from({ length: 20 }, (_, i) => `text ${i + 1},label ${i + 1}`).join("\n");
  const data = () => file("twenty.csv", `text,label\n${rows}\n`);

  it("--positive-examples draws seeded rows and removes them from the instances", async () => {
    const o = opts({ file: await data(), positiveExamples: 3, definition: "d" });
    const result = await importTask(o);
    expect(result).toMatchObject({
      rows: 20,
      instances: 17,
      positive_examples: 3,
      examples_from: "data",
      removed_as_examples: 3,
    });
    const doc = await taskJson(o);
    const examples = doc["Positive Examples"] as { input: string; output: string; explanation: string }[];
    const instances = doc.Instances as { input: string }[];
    expect(examples).toHaveLength(3);
    for (const ex of examples) {
      expect(ex.output).toBe(ex.input.replace("text", "label"));
      expect(ex.explanation).toBe("");
      expect(instances.map((i) => i.input)).not.toContain(ex.input);
    }
    // Same seed, same draw; another seed, another draw.
    const again = opts({ file: o.file, positiveExamples: 3, definition: "d" });
    await importTask(again);
    expect((await taskJson(again))["Positive Examples"]).toEqual(examples);
    const other = opts({ file: o.file, positiveExamples: 3, definition: "d", seed: 7 });
    await importTask(other);
    expect((await taskJson(other))["Positive Examples"]).not.toEqual(examples);
  });

  it("rejects more positive examples than the rows can give", async () => {
    const file3 = await file("three.csv", CSV);
    await rejects(
      opts({ file: file3, positiveExamples: 5 }),
      "three.csv: --positive-examples 5 is more than the file's 3 rows can give: at least one row must stay an instance",
    );
    await rejects(
      opts({ file: file3, positiveExamples: 3 }),
      /--positive-examples 3 is more than the file's 3 rows/,
    );
  });

  it("--examples-file gives them explicitly, with an optional explanation; an instance equal to one leaves", async () => {
    const examples = await file(
      "ex.csv",
      'text,label,explanation\nthe cat sat,animal,"cats are animals"\nbuy bonds,finance,\n',
    );
    const o = opts({ file: await file("e.csv", CSV), examplesFile: examples, definition: "d" });
    const result = await importTask(o);
    expect(result).toMatchObject({
      instances: 2,
      positive_examples: 2,
      examples_from: "file",
      removed_as_examples: 1,
    });
    const doc = await taskJson(o);
    expect(doc["Positive Examples"]).toEqual([
      { input: "the cat sat", output: "animal", explanation: "cats are animals" },
      { input: "buy bonds", output: "finance", explanation: "" },
    ]);
    expect((doc.Instances as { input: string }[]).map((i) => i.input)).toEqual([
      "sell stocks now",
      "a dog barked",
    ]);
  });

  it("rejects an examples file without the columns, and an example with several outputs", async () => {
    await rejects(
      opts({ file: await file("e2.csv", CSV), examplesFile: await file("ex2.csv", "q,a\nx,y\n") }),
      'ex2.csv: no column "text" (--input); the columns are: "q", "a"',
    );
    await rejects(
      opts({
        file: await file("e3.csv", CSV),
        examplesFile: await file("ex3.jsonl", '{"text":"x","label":["a","b"]}\n'),
      }),
      'ex3.jsonl:1 (row 1): column "label": an example has one output, got a list of 2',
    );
  });
});

describe("collections", () => {
  it("importing several files into one folder lists each task once; --force replaces, never duplicates", async () => {
    const dirOut = out();
    const csv = await file("c.csv", CSV);
    await importTask({ file: csv, out: dirOut, name: "task1_a", input: "text", output: "label" });
    const second = await importTask({
      file: csv,
      out: dirOut,
      name: "task2_b",
      input: "text",
      output: "label",
    });
    expect(second.test_tasks).toEqual(["task1_a", "task2_b"]);

    const before = await readFile(join(dirOut, "tasks", "task1_a.json"), "utf8");
    const message = await userError(() =>
      importTask({
        file: csv,
        out: dirOut,
        name: "task1_a",
        input: "text",
        output: "label",
        definition: "new",
      }),
    );
    expect(message).toBe("collection-" + n + '/tasks/task1_a.json: task "task1_a" already exists');
    expect(await readFile(join(dirOut, "tasks", "task1_a.json"), "utf8")).toBe(before);

    const replaced = await importTask({
      file: csv,
      out: dirOut,
      name: "task1_a",
      input: "text",
      output: "label",
      definition: "new",
      force: true,
    });
    expect(replaced.replaced).toBe(true);
    expect(replaced.test_tasks).toEqual(["task1_a", "task2_b"]);
    expect(await readFile(join(dirOut, "splits", "default", "test_tasks.txt"), "utf8")).toBe(
      "task1_a\ntask2_b\n",
    );
    expect((await readTask(await loadCheckout(dirOut), "task1_a")).definition).toBe("new");
  });

  it("adds to an existing checkout's split file, keeping its lines", async () => {
    const dirOut = out();
    await importTask({
      file: await file("k.csv", CSV),
      out: dirOut,
      name: "task1_a",
      input: "text",
      output: "label",
    });
    await writeFile(join(dirOut, "splits", "default", "test_tasks.txt"), "# mine\ntask1_a");
    await importTask({
      file: await file("k.csv", CSV),
      out: dirOut,
      name: "task2_b",
      input: "text",
      output: "label",
    });
    expect(await readFile(join(dirOut, "splits", "default", "test_tasks.txt"), "utf8")).toBe(
      "# mine\ntask1_a\ntask2_b\n",
    );
  });

  it("rejects an --out that is a file", async () => {
    const path = await file("not-a-folder", "x");
    expect(await userError(() => importTask({ ...opts({ file: path }), out: path }))).toMatch(
      /--out .*not-a-folder: .* is a file, not a folder/,
    );
  });
});

describe("bad input: one line naming file, line or row and field; nothing written", () => {
  it("a missing column lists the columns that exist", async () => {
    await rejects(
      opts({ file: await file("m.csv", CSV), output: "topic" }),
      'm.csv: no column "topic" (--output); the columns are: "text", "label", "key"',
    );
    await rejects(opts({ file: await file("m2.csv", CSV), id: "uid" }), /m2\.csv: no column "uid" \(--id\)/);
  });

  it("an empty file, a ragged row", async () => {
    await rejects(opts({ file: await file("empty.csv", "") }), "empty.csv: empty file");
    await rejects(
      opts({ file: await file("r.csv", "text,label\na,b\nc,d,e\n") }),
      "r.csv:3 (row 2): 3 fields, but the header on line 1 has 2",
    );
  });

  it("an empty input or output cell", async () => {
    await rejects(
      opts({ file: await file("ei.csv", 'text,label\na,b\n"  ",c\n') }),
      'ei.csv:3 (row 2): column "text": empty input cell',
    );
    await rejects(
      opts({ file: await file("eo.csv", "text,label\na,\n") }),
      'eo.csv:2 (row 1): column "label": empty output cell',
    );
    await rejects(
      opts({ file: await file("eo.jsonl", '{"text":"a","label":[]}\n') }),
      'eo.jsonl:1 (row 1): column "label": empty output cell (an empty list)',
    );
    await rejects(
      opts({ file: await file("eo2.jsonl", '{"text":"a","label":null}\n') }),
      'eo2.jsonl:1 (row 1): column "label": empty output cell',
    );
    await rejects(
      opts({ file: await file("mi.jsonl", '{"text":"a","label":"b"}\n{"text":"c"}\n') }),
      'mi.jsonl:2 (row 2): column "label" (--output) is missing in this row',
    );
    await rejects(
      opts({ file: await file("sep.csv", "text,label\na,x||y\n"), outputSep: "|" }),
      'sep.csv:2 (row 1): column "label": reference 2 of 3 is empty after splitting on --output-sep "|"',
    );
  });

  it("a column name or id holding a line break stays on one line of the message", async () => {
    await rejects(
      opts({ file: await file("nl.csv", '"te\nxt",label\na,b\n') }),
      'nl.csv: no column "text" (--input); the columns are: "te\\nxt", "label"',
    );
    await rejects(
      opts({
        file: await file(
          "nl.jsonl",
          '{"text":"a","label":"b","k":"x\\ny"}\n{"text":"a","label":"b","k":"x\\ny"}\n',
        ),
        id: "k",
      }),
      'nl.jsonl:2 (row 2): column "k": duplicate id "x\\ny" (first on row 1)',
    );
  });

  it("a file over the size a task file can hold, refused before it is read", async () => {
    const path = join(dir, "huge.csv");
    await writeFile(path, "");
    await truncate(path, 600 * 2 ** 20); // sparse: no disk space used
    await rejects(opts({ file: path }), /^huge\.csv: 600 MiB, over the 500 MiB a task file can hold$/);
  });

  it("a duplicate id names both rows", async () => {
    await rejects(
      opts({ file: await file("dup.csv", "text,label,key\na,b,k1\nc,d,k2\ne,f,k1\n"), id: "key" }),
      'dup.csv:4 (row 3): column "key": duplicate id "k1" (first on row 1)',
    );
  });

  it("bytes that are not UTF-8", async () => {
    const bytes = Buffer.concat([Buffer.from("text,label\ncaf"), Buffer.from([0xe9]), Buffer.from(",b\n")]);
    await rejects(
      opts({ file: await file("latin1.csv", bytes) }),
      "latin1.csv:2: not valid UTF-8: invalid byte 0xe9 at byte offset 14",
    );
  });

  it("a name that is not a valid task file name", async () => {
    for (const name of ["../evil", "a/b", "", ".hidden", "_prefinetune", "tâche", "x".repeat(201)])
      await rejects(
        opts({ file: await file("n.csv", CSV), name }),
        `--name ${JSON.stringify(name)}: not a valid task file name`,
      );
  });

  it("conflicting or unusable options", async () => {
    const csv = await file("o.csv", CSV);
    await rejects(
      opts({ file: csv, definition: "a", definitionFile: "b" }),
      "--definition and --definition-file: give one of them, not both",
    );
    await rejects(
      opts({ file: csv, positiveExamples: 1, examplesFile: csv }),
      "--positive-examples and --examples-file: give one of them, not both",
    );
    await rejects(
      opts({ file: csv, definitionFile: join(dir, "absent.txt") }),
      "--definition-file absent.txt: file not found",
    );
    await rejects(
      opts({ file: csv, definitionFile: await file("blank.txt", "\n") }),
      "blank.txt: empty definition file",
    );
    await rejects(opts({ file: csv, definition: " " }), "--definition: empty text");
    await rejects(opts({ file: csv, output: "text" }), '--input and --output both name column "text"');
    await rejects(opts({ file: join(dir, "absent.csv") }), "absent.csv: file not found");
    await rejects(
      opts({ file: await file("data.txt", CSV) }),
      "data.txt: cannot tell the format from the file name",
    );
  });
});

describe("Parquet", () => {
  it("imports a pyarrow file with a list column, and names the row and column of a cell that is not UTF-8", async () => {
    const script = `
import sys, pyarrow as pa, pyarrow.parquet as pq
pq.write_table(pa.table({"text": ["naïve", "日本"], "refs": [["a", "b"], ["c"]]}), sys.argv[1] + "/ok.parquet")
pq.write_table(pa.table({"text": pa.array([b"ok", b"caf\\xe9"], pa.binary()), "refs": ["a", "b"]}), sys.argv[1] + "/bad.parquet")
`;
    execFileSync(venvPython(), ["-c", script, dir]);
    const o = opts({ file: join(dir, "ok.parquet"), output: "refs", definition: "d" });
    await importTask(o);
    expect((await taskJson(o)).Instances).toEqual([
      { id: "task9001_topics-1", input: "naïve", output: ["a", "b"] },
      { id: "task9001_topics-2", input: "日本", output: ["c"] },
    ]);
    await rejects(
      opts({ file: join(dir, "bad.parquet"), output: "refs" }),
      'bad.parquet: row 2: column "text": not valid UTF-8: invalid byte 0xe9 at byte 3 of the cell',
    );
  });
});
