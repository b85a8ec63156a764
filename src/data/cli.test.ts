import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fixtureTask, makeCheckout } from "../../test/fixtures/superni-bad/checkout.js";
import { runCli } from "../../test/helpers/cli.js";

/** Run the CLI in-process, capturing stdout and stderr. */
const run = (...args: string[]) => runCli(args);

afterEach(() => vi.restoreAllMocks());

async function checkout(): Promise<string> {
  return makeCheckout({
    tasks: {
      task1_big: fixtureTask(125, "Data to Text"),
      task2_small: fixtureTask(3),
      task9_tr: fixtureTask(4),
    },
    test: ["task1_big", "task2_small"],
    train: ["task9_tr"],
  });
}

describe("quicklearn encode", () => {
  it("--json prints one {id, task, source, references} line per instance, in split order", async () => {
    const dir = await checkout();
    const r = await run(
      "encode",
      "--superni",
      dir,
      "--task",
      "task1_big",
      "--encoding",
      "plain",
      "--split",
      "validation",
      "--json",
    );
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toEqual({
      id: "i100",
      task: "task1_big",
      source: "input: in 100\noutput: ",
      references: ["out 100", "alt 100"],
    });
    expect(Object.keys(lines[0]!)).toEqual(["id", "task", "source", "references"]);
  });

  it("notes a small task on stderr and rejects an unknown encoding", async () => {
    const dir = await checkout();
    const ok = await run(
      "encode",
      "--superni",
      dir,
      "--task",
      "task2_small",
      "--encoding",
      "tk-instruct",
      "--json",
    );
    expect(ok.stderr).toContain("small task");
    expect(ok.stdout.trimEnd().split("\n")).toHaveLength(3);
    const bad = await run("encode", "--superni", dir, "--task", "task2_small", "--encoding", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^quicklearn: error: --encoding nope: unknown encoding "nope"\n/);
  });
});

describe("quicklearn data stats", () => {
  it("--json has exactly the keys of the contract", async () => {
    const r = await run("data", "stats", "--superni", await checkout(), "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([
      "test_tasks",
      "train_tasks_present",
      "test_instances",
      "train_instances",
      "small_tasks",
      "categories",
      "budgets",
      "avg_words",
    ]);
    expect(Object.keys(j.budgets as object)).toEqual(["100", "200", "1000", "all"]);
    expect(Object.keys(j.avg_words as object)).toEqual(["thesis-def-pos", "plain"]);
    expect((j.budgets as Record<string, Record<string, number>>)["100"]).toMatchObject({
      "Data to Text": 15,
      total: 18,
    });
  });

  it("prints the thesis's figures beside the checkout's, with differences", async () => {
    const r = await run("data", "stats", "--superni", await checkout());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Textual Entailment\s+1\s+24\s+-23/);
    expect(r.stdout).toMatch(/test instances\s+103\s+11810\s+-11707/);
  });

  it("a bad task file gives one line naming file and field, exit 2, no stack", async () => {
    const dir = await checkout();
    const bad = fixtureTask(3);
    (bad.Instances as { output: unknown }[])[2]!.output = "x";
    await writeFile(join(dir, "tasks", "task2_small.json"), JSON.stringify(bad));
    const r = await run("data", "stats", "--superni", dir, "--json");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")[0]).toBe(
      `quicklearn: error: ${join(dir, "tasks", "task2_small.json")}: Instances[2].output: expected a list of strings, got a string`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("quicklearn data build", () => {
  it("builds, and a failed build leaves no output folder", async () => {
    const dir = await checkout();
    const root = await mkdtemp(join(tmpdir(), "ql-cli-build-"));
    const ok = await run(
      "data",
      "build",
      "--superni",
      dir,
      "--out",
      join(root, "ok"),
      "--budgets",
      "10,all",
      "--json",
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      tasks: 2,
      small_tasks: ["task2_small"],
      prefinetune_instances: 4,
    });
    expect(existsSync(join(root, "ok", "plain", "task1_big", "train.10.jsonl"))).toBe(true);
    expect(existsSync(join(root, "ok", "thesis-def-pos", "_prefinetune", "train.100.jsonl"))).toBe(true);

    await writeFile(join(dir, "tasks", "task2_small.json"), Buffer.from([0x7b, 0xc3, 0x28, 0x7d]));
    const bad = await run("data", "build", "--superni", dir, "--out", join(root, "bad"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("task2_small.json:1: not valid UTF-8: invalid byte 0xc3 at byte offset 1");
    expect(existsSync(join(root, "bad"))).toBe(false);
    const flags = await run("data", "build", "--superni", dir, "--out", join(root, "x"), "--seed", "-1");
    expect(flags.code).toBe(2);
  });
});
