import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureTask, makeCheckout } from "../../test/fixtures/superni-bad/checkout.js";
import type { Task } from "../superni/index.js";
import { sha256 } from "../util/hash.js";
import { projectRoot } from "../util/paths.js";
import {
  budgetSize,
  buildData,
  dataStats,
  datasetPath,
  downstreamSplit,
  drawTarget,
  mulberry32,
  parseBudget,
  prefinetunePath,
  REPORT_GROUPS,
  reportGroup,
  type DataRecord,
} from "./index.js";

const taskWith = (n: number): Task => ({
  name: "t",
  definition: "d",
  positiveExamples: [],
  categories: ["c"],
  category: "c",
  instances: Array.from({ length: n }, (_, i) => ({ id: `i${i}`, input: `${i}`, output: ["o"] })),
});

describe("downstreamSplit", () => {
  it("takes test = first 100, validation = next 10, train = the rest, in file order", () => {
    const s = downstreamSplit(taskWith(125));
    expect(s.small).toBe(false);
    expect(s.test.map((i) => i.id)).toEqual(Array.from({ length: 100 }, (_, i) => `i${i}`));
    expect(s.validation.map((i) => i.id)).toEqual(Array.from({ length: 10 }, (_, i) => `i${100 + i}`));
    expect(s.train.map((i) => i.id)).toEqual(Array.from({ length: 15 }, (_, i) => `i${110 + i}`));
    expect(downstreamSplit(taskWith(120)).train).toHaveLength(10);
  });

  it("uses every instance for train, validation and test below 120 instances, and flags the task", () => {
    const s = downstreamSplit(taskWith(119));
    expect(s.small).toBe(true);
    expect([s.test.length, s.validation.length, s.train.length]).toEqual([119, 119, 119]);
  });
});

describe("budgets", () => {
  it("caps counts at the train size and computes percentages as max(1, floor(p/100 * n))", () => {
    expect(budgetSize("100", 250)).toBe(100);
    expect(budgetSize("1000", 250)).toBe(250);
    expect(budgetSize("all", 250)).toBe(250);
    expect(budgetSize("1%", 250)).toBe(2);
    expect(budgetSize("1%", 50)).toBe(1);
    expect(budgetSize("1%", 0)).toBe(0);
    expect(budgetSize("0.5%", 1000)).toBe(5);
    expect(budgetSize("100%", 7)).toBe(7);
  });

  it("rejects malformed budgets with a UserError", () => {
    for (const bad of ["0", "-1", "01", "1.5", "abc", "0%", "101%", "1.0%", ""]) {
      expect(() => parseBudget(bad), bad).toThrow(/invalid budget/);
    }
    expect(parseBudget(" 200 ")).toBe("200");
  });
});

describe("report groups", () => {
  it("keeps the six thesis categories and folds the rest into Other Categories", () => {
    expect(REPORT_GROUPS).toHaveLength(7);
    expect(reportGroup("Title Generation")).toBe("Title Generation");
    expect(reportGroup("Word Analogy")).toBe("Other Categories");
    expect(reportGroup("title generation")).toBe("Other Categories");
  });
});

describe("target draw", () => {
  it("mulberry32 gives the same first outputs for seed 1 as an independent Python port of the algorithm", () => {
    const r = mulberry32(1);
    expect([r(), r(), r()].map((x) => x * 4294967296)).toEqual([2693262067, 11749833, 2265367787]);
  });

  it("is keyed by seed, task and id, so it does not depend on order; different seeds pick differently", () => {
    const refs = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const a = Array.from({ length: 50 }, (_, i) => drawTarget(42, "t", `id${i}`, refs));
    const b = Array.from({ length: 50 }, (_, i) => drawTarget(42, "t", `id${49 - i}`, refs)).reverse();
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(4);
    const c = Array.from({ length: 50 }, (_, i) => drawTarget(7, "t", `id${i}`, refs));
    expect(c).not.toEqual(a);
    expect(drawTarget(1, "t", "x", ["only"])).toBe("only");
  });
});

describe("layout", () => {
  it("follows docs/architecture.md", () => {
    expect(datasetPath("D", { encoding: "plain", task: "t", split: "test" })).toBe(
      join("D", "plain", "t", "test.jsonl"),
    );
    expect(datasetPath("D", { encoding: "plain", task: "t", split: "train", budget: "1%" })).toBe(
      join("D", "plain", "t", "train.1%.jsonl"),
    );
    expect(prefinetunePath("D", "thesis-def-pos", 100)).toBe(
      join("D", "thesis-def-pos", "_prefinetune", "train.100.jsonl"),
    );
  });
});

async function fixtureCheckout(): Promise<string> {
  const big = fixtureTask(130, "Title Generation");
  (big.Instances as { output: string[] }[])[115]!.output = ["r1", "r2", "r3", "r4"];
  return makeCheckout({
    tasks: {
      task1_big: big,
      task2_small: fixtureTask(12, "Word Analogy"),
      task9_train: fixtureTask(7, "Misc"),
    },
    test: ["task1_big", "task2_small"],
    train: ["task9_train", "task8_absent"],
  });
}

async function readLines(path: string): Promise<DataRecord[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as DataRecord);
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out[p.slice(dir.length + 1)] = sha256(await readFile(p));
  }
  return out;
}

describe("buildData", () => {
  const opts = (superni: string, out: string) => ({
    superni,
    out,
    budgets: ["5", "all", "10%"],
    encodings: ["thesis-def-pos", "plain"],
    seed: 42,
    prefinetune: { k: 5, encodings: ["thesis-def-pos", "plain"] },
  });

  it("writes every split, budget prefix and the pre-finetuning set, with a manifest of counts and hashes", async () => {
    const superni = await fixtureCheckout();
    const out = join(await mkdtemp(join(tmpdir(), "ql-build-")), "data");
    const m = await buildData(opts(superni, out));

    const train = await readLines(
      datasetPath(out, { encoding: "plain", task: "task1_big", split: "train", budget: "all" }),
    );
    expect(train.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => `i${110 + i}`));
    const five = await readLines(
      datasetPath(out, { encoding: "plain", task: "task1_big", split: "train", budget: "5" }),
    );
    expect(five).toEqual(train.slice(0, 5));
    expect(
      await readLines(
        datasetPath(out, { encoding: "plain", task: "task1_big", split: "train", budget: "10%" }),
      ),
    ).toEqual(train.slice(0, 2));
    expect(train[0]).toEqual({
      id: "i110",
      task: "task1_big",
      category: "Title Generation",
      source: "input: in 110\noutput: ",
      target: drawTarget(42, "task1_big", "i110", ["out 110", "alt 110"]),
      references: ["out 110", "alt 110"],
    });
    expect(train[5]!.references).toEqual(["r1", "r2", "r3", "r4"]);
    expect(train[5]!.references).toContain(train[5]!.target);

    const test = await readLines(
      datasetPath(out, { encoding: "thesis-def-pos", task: "task1_big", split: "test" }),
    );
    expect(test).toHaveLength(100);
    expect(test[0]!.source).toBe(
      "Definition: Decide.\nPositive example 1-\ninput: p1\noutput: yes\nPositive example 2-\ninput: p2\noutput: no\n" +
        "Now complete the following example-\ninput: in 0\noutput: ",
    );
    const small = await readLines(
      datasetPath(out, { encoding: "plain", task: "task2_small", split: "validation" }),
    );
    expect(small).toHaveLength(12);

    const pf = await readLines(prefinetunePath(out, "thesis-def-pos", 5));
    expect(pf.map((r) => [r.task, r.id, r.category])).toEqual(
      Array.from({ length: 5 }, (_, i) => ["task9_train", `i${i}`, "Misc"]),
    );

    expect(m.tasks.task1_big).toMatchObject({ small: false, test: 100, validation: 10, train: 20 });
    expect(m.tasks.task1_big!.budgets).toEqual({ "5": 5, all: 20, "10%": 2 });
    expect(m.tasks.task2_small).toMatchObject({ small: true, report_group: "Other Categories", train: 12 });
    expect(m.prefinetune).toEqual({ k: 5, instances: 5, tasks: { task9_train: 5 } });
    const files = await tree(out);
    expect(Object.keys(files).sort()).toEqual([...Object.keys(m.files), "manifest.json"].sort());
    for (const [path, facts] of Object.entries(m.files)) expect(files[path], path).toBe(facts.sha256);
    expect(JSON.parse(await readFile(join(out, "manifest.json"), "utf8"))).toEqual(m);
  });

  it("writes data replicates: other seeded draws of the train split, nested across budgets, replicate 0 unchanged", async () => {
    const superni = await fixtureCheckout();
    const root = await mkdtemp(join(tmpdir(), "ql-build-"));
    const one = await buildData(opts(superni, join(root, "one")));
    const out = join(root, "three");
    const m = await buildData({ ...opts(superni, out), replicates: 3 });
    const file = (budget: string, replicate: number) =>
      datasetPath(out, { encoding: "plain", task: "task1_big", split: "train", budget, replicate });
    expect(file("5", 2)).toMatch(/train\.5\.r2\.jsonl$/);

    for (const path of Object.keys(one.files)) expect(m.files[path]).toEqual(one.files[path]);
    expect(m.inputs.replicates).toBe(3);
    expect(one.inputs).not.toHaveProperty("replicates");
    expect(existsSync(file("all", 1))).toBe(false);

    const all = (await readLines(file("all", 0))).map((r) => r.id);
    const draws = [1, 2].map(async (r) => ({
      five: (await readLines(file("5", r))).map((x) => x.id),
      share: (await readLines(file("10%", r))).map((x) => x.id),
    }));
    const [r1, r2] = await Promise.all(draws);
    for (const d of [r1!, r2!]) {
      expect(d.five).toHaveLength(5);
      expect(d.share).toEqual(d.five.slice(0, 2));
      expect(new Set(d.five).size).toBe(5);
      for (const id of d.five) expect(all).toContain(id);
    }
    expect(r1!.five).not.toEqual(all.slice(0, 5));
    expect(r1!.five).not.toEqual(r2!.five);

    const again = await buildData({ ...opts(superni, join(root, "again")), replicates: 3 });
    expect(again.files).toEqual(m.files);
  });

  it("refuses a number of data replicates that is not a whole number from 1 to 100", async () => {
    const superni = await fixtureCheckout();
    const out = join(await mkdtemp(join(tmpdir(), "ql-build-")), "data");
    for (const replicates of [0, 1.5, 101])
      await expect(buildData({ ...opts(superni, out), replicates })).rejects.toThrow(
        /invalid number of data replicates/,
      );
    expect(existsSync(out)).toBe(false);
  });

  it("gives byte-identical output for the same inputs, replacing an earlier build in place", async () => {
    const superni = await fixtureCheckout();
    const root = await mkdtemp(join(tmpdir(), "ql-build-"));
    await buildData(opts(superni, join(root, "a")));
    await buildData({ ...opts(superni, join(root, "b")), tasks: ["task2_small", "task1_big"] });
    await buildData(opts(superni, join(root, "b")));
    const a = await tree(join(root, "a"));
    expect(await tree(join(root, "b"))).toEqual(a);
    await buildData({ ...opts(superni, join(root, "b")), seed: 7 });
    expect(await tree(join(root, "b"))).not.toEqual(a);
    expect((await readdir(root)).sort()).toEqual(["a", "b"]);
  });

  it("leaves nothing behind when a task is bad, and keeps an earlier build intact", async () => {
    const superni = await fixtureCheckout();
    const root = await mkdtemp(join(tmpdir(), "ql-build-"));
    const out = join(root, "data");
    await buildData(opts(superni, out));
    const before = await tree(out);
    await writeFile(
      join(superni, "tasks", "task2_small.json"),
      '{"Definition": ["x"], "Categories": ["c"], "Instances": [}',
    );
    await expect(buildData(opts(superni, out))).rejects.toThrow(/task2_small\.json: invalid JSON at line 1/);
    expect(await tree(out)).toEqual(before);
    await expect(buildData(opts(superni, join(root, "fresh")))).rejects.toThrow(/invalid JSON/);
    expect((await readdir(root)).sort()).toEqual(["data"]);
  });

  it("refuses to replace a non-empty folder that is not a data build, and unknown tasks", async () => {
    const superni = await fixtureCheckout();
    const out = await mkdtemp(join(tmpdir(), "ql-build-"));
    await mkdir(join(out, "mine"));
    await expect(buildData(opts(superni, out))).rejects.toThrow(/not empty and holds no manifest\.json/);
    await expect(buildData({ ...opts(superni, join(out, "x")), tasks: ["task3_nope"] })).rejects.toThrow(
      /no task file for "task3_nope"/,
    );
    await expect(buildData({ ...opts(superni, join(out, "x")), budgets: ["ten"] })).rejects.toThrow(
      /invalid budget/,
    );
  });
});

describe("dataStats", () => {
  it("counts tasks, splits, budgets by report group and words of the encoded training sources", async () => {
    const { stats, prefinetuneInstances } = await dataStats(await fixtureCheckout());
    expect(stats).toEqual({
      test_tasks: 2,
      train_tasks_present: 1,
      test_instances: 112,
      train_instances: 32,
      small_tasks: ["task2_small"],
      categories: { "Title Generation": 1, "Word Analogy": 1 },
      budgets: Object.fromEntries(
        ["100", "200", "1000", "all"].map((b) => [
          b,
          {
            ...Object.fromEntries(REPORT_GROUPS.map((g) => [g, 0])),
            "Title Generation": 20,
            "Other Categories": 12,
            total: 32,
          },
        ]),
      ),
      // plain: "input: in N\noutput: " = 4 words; thesis-def-pos adds "Definition: Decide." (2), two examples
      // ("Positive example 1-\ninput: p1\noutput: yes": 7 each) and "Now complete the following example-" (5).
      avg_words: { "thesis-def-pos": 25, plain: 4 },
    });
    expect(prefinetuneInstances).toBe(7);
  });

  const shared = resolve(projectRoot, "..", "shared", "superni");
  it.skipIf(!existsSync(shared))("matches the thesis's split counts on the shared checkout", async () => {
    const { stats } = await dataStats(shared);
    expect(stats.test_tasks).toBe(119);
    expect(stats.test_instances).toBe(11810);
    expect(stats.small_tasks).toHaveLength(5);
    expect(stats.budgets["100"]!.total).toBe(11599);
    expect(stats.categories["Textual Entailment"]).toBe(24);
  });
});
