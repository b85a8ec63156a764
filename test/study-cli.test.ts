import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { presetText } from "../src/study/presets.js";
import { StudyStore } from "../src/runner/store/index.js";
import { runCli } from "./helpers/cli.js";
import { DEMO_SUPERNI, SHARED_SUPERNI, sharedSuperniMissing } from "./helpers/superni.js";

describe("study commands", () => {
  const dirs: string[] = [];
  const tmp = async () => {
    const d = await mkdtemp(join(tmpdir(), "ql-study-cli-"));
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("plan --preset thesis --json keeps the contract, without a SuperNI checkout", async () => {
    const r = await runCli(["plan", "--preset", "thesis", "--json"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.totals).toMatchObject({
      runs: 841,
      by_setting: { stl: 833, mtl: 6, prefinetune: 1, eval: 1 },
    });
    expect(plan.totals.train_sample_passes).toBeGreaterThan(0);
    expect(plan.preset).toBe("thesis");
    expect(plan.study).toEqual({ name: "thesis" });
    const pft = plan.runs.find((x: { setting: string }) => x.setting === "prefinetune");
    expect(pft).toMatchObject({
      arm: "prefinetune-noinst",
      task: null,
      budget: null,
      model: "google/t5-xl-lm-adapt",
      encoding: "plain",
      depends_on: [],
    });
    for (const x of plan.runs.filter((x: { arm: string }) => x.arm === "B1"))
      expect(x.depends_on).toEqual([pft.id]);
    const zs = plan.runs.find((x: { arm: string }) => x.arm === "zero-shot");
    expect(zs).toMatchObject({
      setting: "eval",
      task: null,
      model: "allenai/tk-instruct-3b-def-pos",
      encoding: "thesis-def-pos",
    });
    expect(plan.arms.map((a: { name: string; role: string }) => `${a.name}:${a.role}`)).toEqual([
      "inst:instruction-tuned",
      "prefinetune-noinst:prefinetune",
      "B1:baseline",
      "B2:baseline",
      "B3:supervised",
      "zero-shot:zero-shot",
    ]);
  });

  it("plan shows the grid with counts, passes, tokens and a cost estimate; sizes estimated without a checkout", async () => {
    const r = await runCli(["plan", "--preset", "thesis", "--samples-per-s", "10"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/inst\s+instruction-tuned\s+stl\s+100\s+119/);
    expect(r.stdout).toMatch(/runs by setting: stl 833, mtl 6, prefinetune 1, eval 1/);
    expect(r.stdout).toMatch(/cost: ~[\d.]+ GPU-hours .* at 10 samples\/s per GPU/);
    expect(r.stdout).toMatch(/sizes estimated from the thesis's figures/);
  });

  it("plan counts the instances of a checkout it is given", async () => {
    const r = await runCli(["plan", "--preset", "demo", "--superni", DEMO_SUPERNI, "--samples-per-s", "10"]);
    expect(r.code).toBe(0);
    // The 7 bundled test tasks and their measured train splits (3 epochs), not 119 tasks of estimated size.
    expect(r.stdout).toMatch(/B3\s+supervised\s+stl\s+all\s+7\s+4,113\s/);
    expect(r.stdout).toMatch(/runs by setting: stl 42, mtl 5, prefinetune 2, eval 1/);
    expect(r.stdout).not.toMatch(/estimated/);
  });

  it.skipIf(sharedSuperniMissing)("plan counts the full thesis grid on the 119-task checkout", async () => {
    const r = await runCli([
      "plan",
      "--preset",
      "thesis",
      "--superni",
      SHARED_SUPERNI,
      "--samples-per-s",
      "10",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/inst\s+instruction-tuned\s+stl\s+100\s+119/);
    expect(r.stdout).toMatch(/runs by setting: stl 833, mtl 6, prefinetune 1, eval 1/);
    expect(r.stdout).toMatch(/cost: ~[\d.]+ GPU-hours .* at 10 samples\/s per GPU/);
    expect(r.stdout).not.toMatch(/estimated/);
  });

  it("init writes the commented preset, refuses to overwrite, and plan reads it back", async () => {
    const d = await tmp();
    const file = join(d, "s.yaml");
    expect((await runCli(["init", file, "--preset", "demo"])).code).toBe(0);
    expect(await readFile(file, "utf8")).toBe(presetText("demo"));
    const again = await runCli(["init", file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect((await runCli(["init", file, "--force"])).code).toBe(0);
    expect((await runCli(["plan", file, "--json"])).code).toBe(0);
  });

  it("a bad spec is one clear error naming the file, line and field", async () => {
    const d = await tmp();
    const file = join(d, "bad.yaml");
    await writeFile(file, presetText("thesis").replace("budgets: [1000]", "budgets: [1000, -3]"));
    const r = await runCli(["plan", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^quicklearn: error: ${file.replace(/[.]/g, "\\.")}:\\d+: arms\\[3\\]\\.budgets\\[1\\]: `),
    );
    expect(r.stderr).not.toMatch(/at .*\.ts/);
  });

  it("status --json counts runs from the run folders", async () => {
    const d = await tmp();
    const store = new StudyStore(d);
    const runs = ["a", "b", "c", "e"].map((id) => ({
      id,
      arm: "x",
      setting: "eval" as const,
      task: null,
      budget: null,
      model: "org/m",
      encoding: "plain",
      depends_on: [],
      seed: 1,
    }));
    const arm = {
      name: "x",
      label: "x",
      role: "zero-shot" as const,
      model: "org/m",
      encoding: "plain",
      prefinetune: null,
    };
    await store.writePlanFile({ study: { name: "s" }, preset: null, arms: [arm], runs, totals: { runs: 4 } });
    await store.recordFinishedRun(
      { ...runs[0]!, variant: "superni", eval_tasks: [] },
      { instanceScores: null, stats: {} },
    );
    await store.writeState("b", { status: "failed", attempts: 2, error: "boom" });
    // Marked running but nobody holds its claim: it was interrupted, so it counts as pending.
    await store.writeState("c", { status: "running", attempts: 1 });
    const r = await runCli(["status", d, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      total: 4,
      done: 1,
      failed: 1,
      running: 0,
      pending: 2,
      failures: [{ id: "b", error: "boom" }],
    });
    expect((await runCli(["status", join(d, "nope")])).code).toBe(2);
  });

  it("a refused run or init leaves nothing behind and says why (issue 18)", async () => {
    const d = await tmp();
    const r = await runCli(["run", "--preset", "demo", "--out", join(d, "s"), "--superni", join(d, "nope")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope: the SuperNI checkout not found/);
    expect(existsSync(join(d, "s"))).toBe(false);
    const init = await runCli(["init", join(d, "no", "such", "s.yaml")]);
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/s\.yaml: its folder does not exist/);
    const dir = await runCli(["init", d]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/is a folder|already exists/);
  });

  it("run refuses without a SuperNI checkout, before writing anything", async () => {
    const d = await tmp();
    const r = await runCli(["run", "--preset", "thesis", "--out", join(d, "s")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a SuperNI checkout/);
    expect(existsSync(join(d, "s"))).toBe(false);
  });

  it("--mtl-processes flags: clear errors before anything is written", async () => {
    const d = await tmp();
    const out = join(d, "s");
    const run = (...flags: string[]) =>
      runCli(["run", "--preset", "demo", "--out", out, "--superni", DEMO_SUPERNI, ...flags]);
    const tooMany = await run("--gpus", "0,1", "--mtl-processes", "4");
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/--mtl-processes 4 needs 4 GPUs, but --gpus gives 2/);
    const parallel = await run("--mtl-parallel", "fsdp");
    expect(parallel.code).toBe(2);
    expect(parallel.stderr).toMatch(/--mtl-parallel only applies with --mtl-processes N/);
    const nodes = await run("--mtl-processes", "2", "--mtl-nodes", "2");
    expect(nodes.code).toBe(2);
    expect(nodes.stderr).toMatch(/--mtl-nodes only applies with --executor slurm/);
    const badKind = await run("--mtl-processes", "2", "--mtl-parallel", "zero3");
    expect(badKind.code).not.toBe(0);
    expect(existsSync(out)).toBe(false);

    const worker = (...flags: string[]) => runCli(["worker", "--study", out, "--runs", "x", ...flags]);
    const oneGpu = await worker("--gpu", "0", "--mtl-processes", "2");
    expect(oneGpu.code).toBe(2);
    expect(oneGpu.stderr).toMatch(/--mtl-processes 2 needs 2 GPUs, but --gpu gives one/);
    const noJob = await worker("--mtl-processes", "2", "--mtl-nodes", "2");
    expect(noJob.code).toBe(2);
    expect(noJob.stderr).toMatch(/--mtl-nodes needs a SLURM job of several nodes/);
  });
});
