/**
 * The presets for today's models through the CLI (issue 15): `init --preset modern` writes a spec that
 * `plan` accepts, `plan --preset modern|flan` works offline and notes the unpinned hub ids, and both presets
 * plan on a collection of the user's own tasks (`--superni DIR`).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presetText } from "../src/study/presets.js";
import { runCli } from "./helpers/cli.js";

let dir: string;
beforeAll(async () => {
  process.stdout.setMaxListeners(100);
  dir = await mkdtemp(join(tmpdir(), "ql-presets-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("presets modern and flan through the CLI", () => {
  it("init --preset modern writes the preset, and plan accepts the file", async () => {
    const file = join(dir, "modern.yaml");
    expect((await runCli(["init", file, "--preset", "modern"])).code).toBe(0);
    expect(await readFile(file, "utf8")).toBe(presetText("modern"));
    const r = await runCli(["plan", file, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).totals.by_setting).toEqual({ stl: 2380, mtl: 20, prefinetune: 0, eval: 1 });
  });

  it("plan --preset modern --json: counts offline, and a note for each unpinned hub id", async () => {
    const r = await runCli(["plan", "--preset", "modern", "--json"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.preset).toBe("modern");
    expect(plan.totals).toMatchObject({ runs: 2401, estimated: true });
    for (const id of ["Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-0.5B-Instruct"])
      expect(r.stderr).toContain(`hub model ${id} is not pinned to a revision`);
  });

  it("plan --preset flan prints its counts and a cost", async () => {
    const r = await runCli(["plan", "--preset", "flan"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/runs by setting: stl 833, mtl 6, prefinetune 0, eval 1/);
    expect(r.stdout).toMatch(/cost: ~[\d.]+ GPU-hours/);
    expect(r.stdout).toMatch(/headline metric: rougeL/);
    // No pre-finetune in flan: the size estimate does not count pre-finetuning tasks.
    expect(r.stdout).toMatch(
      /sizes estimated from the thesis's figures \(3,149 train instances per task on average\)/,
    );
  });

  it("both plan on an imported collection of the user's own tasks (--superni)", async () => {
    const csv = join(dir, "tickets.csv");
    const rows = Array.from({ length: 40 }, (_, i) => `ticket ${i},${i % 2 ? "it" : "finance"}`);
    await writeFile(csv, ["text,team", ...rows].join("\n") + "\n");
    const collection = join(dir, "my-tasks");
    const imported = await runCli([
      "task",
      "import",
      csv,
      "--out",
      collection,
      "--name",
      "tickets",
      "--input",
      "text",
      "--output",
      "team",
      "--definition",
      "Route the ticket to a team.",
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    for (const [preset, runs] of [
      ["modern", 20 + 20 + 1],
      ["flan", 7 + 6 + 1],
    ] as const) {
      const r = await runCli(["plan", "--preset", preset, "--superni", collection, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout);
      expect(plan.totals.runs).toBe(runs);
      expect(new Set(plan.runs.flatMap((x: { task: string | null }) => x.task ?? []))).toEqual(
        new Set(["tickets"]),
      );
    }
  });
});
