import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scancel, scontrolRequeue } from "../src/runner/slurm/commands.js";
import { detectGpus } from "../src/runner/index.js";
import { readJobs } from "../src/runner/slurm/store.js";
import { engineDir, projectRoot, venvPython } from "../src/util/paths.js";
import { slurmMissing, startLocalCluster, waitFor, waitForJobs } from "./slurm-helpers.js";
import { DEMO_SUPERNI as SUPERNI } from "./helpers/superni.js";
import { pftAndBaseline, tinyStudyYaml } from "./helpers/tiny-study.js";

/**
 * A tiny study through `quicklearn run --executor slurm` on a real one-node SLURM, with the real engine on
 * CPU: a pre-finetune that two B1 runs start from (afterok on its array task), two instruction-tuned runs and
 * an instruction-tuned mtl run. With --mtl-processes 2 the pre-finetune and the mtl run go into an array of
 * their own and train with two torchrun processes (gloo). Mid-study the pre-finetune's task is requeued
 * (`scontrol requeue`, as preemption does) while it is training, and another task is cancelled (`scancel`).
 * The requeued task resumes its run from the checkpoint; resubmitting runs only the cancelled run; every run
 * ends done exactly once.
 */
const CLI = join(projectRoot, "test", "helpers", "quicklearn-cli.ts");
const missing =
  slurmMissing() ??
  (existsSync(venvPython()) ? null : "the engine's Python environment (.venv) is missing: scripts/setup.sh");
if (missing) console.warn(`skipping test/slurm-study.test.ts: ${missing}`);

const spec = (model: string) =>
  tinyStudyYaml(
    "slurm-e2e",
    pftAndBaseline(model, 40, "[stl]") +
      `  - name: inst
    role: instruction-tuned
    model: ${model}
    encoding: thesis-def-pos
    settings: [stl, mtl]
    budgets: [8]
`,
  );

/** `quicklearn run SPEC` through SLURM on the CPU, with no retries (each failure shows). */
function submit(spec: string, out: string, extra: string[] = []) {
  const base = ["run", spec, "--out", out, "--superni", SUPERNI, "--cpu", "--retries", "0"];
  return cli([...base, "--executor", "slurm", ...extra]);
}

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; out: string; err: string }> {
  const p = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: projectRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  p.stdout.on("data", (d) => (out += d));
  p.stderr.on("data", (d) => (err += d));
  return new Promise((r) => p.on("close", (code) => r({ code, out, err })));
}

const stateText = (dir: string, id: string) => {
  try {
    return readFileSync(join(dir, "runs", id, "state.json"), "utf8");
  } catch {
    return "";
  }
};
const state = (dir: string, id: string) =>
  JSON.parse(stateText(dir, id) || "{}") as { status?: string; attempts?: number };

describe.skipIf(missing !== null)("a study through --executor slurm (real SLURM, real engine, CPU)", () => {
  let root: string;
  let specPath: string;

  beforeAll(async () => {
    startLocalCluster();
    root = await mkdtemp(join(tmpdir(), "ql-slurm-study-"));
    const made = spawnSync(
      venvPython(),
      [
        "-m",
        "quicklearn_engine.tiny",
        "--arch",
        "t5",
        "--out",
        join(root, "base"),
        "--corpus",
        SUPERNI,
        "--vocab-size",
        "600",
      ],
      { env: { ...process.env, PYTHONPATH: engineDir }, encoding: "utf8" },
    );
    expect(made.status, made.stderr).toBe(0);
    specPath = join(root, "study.yaml");
    await writeFile(specPath, spec(join(root, "base")));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("--dry-run prints the sbatch scripts and submits nothing", async () => {
    const out = join(root, "dry");
    const args = ["run", specPath, "--out", out, "--superni", SUPERNI, "--cpu", "--executor", "slurm"];
    const r = await cli([...args, "--dry-run", "--time", "00:30:00"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("#SBATCH --array=0-3\n");
    expect(r.out).toContain("#SBATCH --time=00:30:00\n");
    expect(r.out).toContain("#SBATCH --dependency=afterok:<job L0>_0\n");
    expect(r.out).toMatch(/worker --study \S+ --runs "\$runs" --cpu --retries 1\n/);
    expect(existsSync(join(out, "slurm", "jobs.json"))).toBe(false);
    // run --no-check: the workers skip their node's check too.
    const unchecked = await cli([...args, "--dry-run", "--no-check"]);
    expect(unchecked.code, unchecked.err).toBe(0);
    expect(unchecked.out).toMatch(/worker --study \S+ --runs "\$runs" --cpu --no-check --retries 1\n/);

    // With --mtl-processes the pre-finetune and the mtl run get an array of their own (no gres with --cpu);
    // on two nodes, one task per node and the srun + torchrun line the worker starts.
    const mtl = await cli([...args, "--dry-run", "--mtl-processes", "2", "--mtl-nodes", "2"]);
    expect(mtl.code, mtl.err).toBe(0);
    // stdout: "# ---- job KEY (sbatch script) ----" then the script, for each job.
    const parts = mtl.out.split(/^# ---- job (\S+) \(sbatch script\) ----\n/m).slice(1);
    const scripts: Record<string, string> = {};
    for (let i = 0; i < parts.length; i += 2) scripts[parts[i]!] = parts[i + 1]!;
    expect(Object.keys(scripts)).toEqual(["L0-mtl", "L0", "L1"]);
    expect(scripts["L0-mtl"]).toContain(
      "#SBATCH --array=0-1\n#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n",
    );
    expect(scripts["L0-mtl"]).not.toContain("--gres");
    expect(scripts["L0-mtl"]).toMatch(/# each run: srun --nodes=2 .* --nproc_per_node=2 .* --device cpu'\n/);
    expect(scripts["L0-mtl"]).toMatch(
      /--cpu --retries 1 --mtl-processes 2 --mtl-parallel ddp --mtl-nodes 2\n/,
    );
    expect(scripts.L0).not.toMatch(/--nodes|--mtl/);
    expect(scripts.L1).toContain("#SBATCH --dependency=afterok:<job L0-mtl>_0\n");
  });

  it("runs to completion through a requeue and a cancel: every run done exactly once", async () => {
    const out = join(root, "study");
    const sub = await submit(specPath, out, ["--array-parallelism", "2", "--mtl-processes", "2"]);
    expect(sub.code, sub.err).toBe(0);
    const jobs = (await readJobs(out))!.submissions[0]!.jobs;
    expect(jobs.map((j) => [j.key, j.tasks.length])).toEqual([
      ["L0-mtl", 2],
      ["L0", 2],
      ["L1", 2],
    ]);
    const [l0mtl, l0] = [jobs[0]!, jobs[1]!];
    expect(jobs[2]!.dependency).toBe(`afterok:${l0mtl.job_id}_0`);
    const [pft, instMtl, instA] = [l0mtl.tasks[0]![0]!, l0mtl.tasks[1]![0]!, l0.tasks[0]![0]!];

    // Preempt the pre-finetune once it has a checkpoint; cancel an instruction-tuned run while it runs.
    const ckpt = join(out, "runs", pft, "checkpoint");
    await waitFor(
      "a pre-finetune checkpoint",
      () => existsSync(ckpt) && readdirSync(ckpt).length > 0,
      300_000,
    );
    await scontrolRequeue(`${l0mtl.job_id}_0`);
    await waitFor(
      "the instruction-tuned run to start",
      () => state(out, instA).status === "running",
      300_000,
    );
    await scancel([`${l0.job_id}_0`]);

    let s = await waitForJobs(out, 400_000);
    const byTask = new Map(s.tasks.map((t) => [`${t.key}_${t.task}`, t.state]));
    expect(Object.fromEntries(byTask)).toEqual({
      "L0-mtl_0": "COMPLETED",
      "L0-mtl_1": "COMPLETED",
      L0_0: "CANCELLED",
      L0_1: "COMPLETED",
      L1_0: "COMPLETED",
      L1_1: "COMPLETED",
    });
    // The requeued pre-finetune resumed from its checkpoint rather than starting over, with 2 processes.
    const stats = (id: string) => JSON.parse(readFileSync(join(out, "runs", id, "stats.json"), "utf8"));
    expect(stats(pft).train.resumed_from_step).toBeGreaterThan(0);
    for (const id of [pft, instMtl])
      expect(stats(id).distributed, id).toMatchObject({ world_size: 2, backend: "gloo" });
    expect(stats(l0.tasks[1]![0]!).distributed).toBeUndefined();

    const status = await cli(["status", out, "--json"]);
    expect(status.code, status.err).toBe(0);
    const st = JSON.parse(status.out);
    expect([st.total, st.done, st.pending, st.failed]).toEqual([6, 5, 1, 0]);
    expect(st.slurm.active).toBe(0);
    const doneBefore = new Map(
      jobs
        .flatMap((j) => j.tasks.flat())
        .filter((id) => id !== instA)
        .map((id) => [id, stateText(out, id)]),
    );

    // Resubmitting submits only the cancelled run; it resumes and finishes.
    const again = await submit(specPath, out);
    expect(again.code, again.err).toBe(0);
    const second = (await readJobs(out))!.submissions[1]!.jobs;
    expect(second.map((j) => j.tasks)).toEqual([[[instA]]]);
    s = await waitForJobs(out, 300_000);
    expect(s.tasks.at(-1)!.state).toBe("COMPLETED");

    const final = JSON.parse((await cli(["status", out, "--json"])).out);
    expect([final.total, final.done, final.pending, final.failed]).toEqual([6, 6, 0, 0]);
    // Done exactly once: what was done before the resubmission was not touched again.
    for (const [id, text] of doneBefore) expect(stateText(out, id), id).toBe(text);
    const text = await cli(["status", out]);
    expect(text.out).toMatch(/SLURM jobs\n/);
    const cancel = await cli(["cancel", out]);
    expect(cancel.code, cancel.err).toBe(0);
    expect(cancel.err).toMatch(/no queued or running SLURM jobs/);
  });

  // This machine stands for a GPU node whose driver is gone; a machine with CUDA cannot.
  it.skipIf(Boolean(detectGpus()?.length))(
    "a node without the GPUs its job was given: the worker's check fails the task, its runs stay pending",
    async () => {
      const out = join(root, "no-gpu");
      const one = join(root, "one.yaml");
      await writeFile(
        one,
        tinyStudyYaml(
          "slurm-check",
          `arms:\n  - name: inst\n    model: ${join(root, "base")}\n    encoding: plain\n    settings: [stl]\n    budgets: [8]\n`,
        ),
      );
      // What --gres gpu:1 sets on a GPU node; this machine has no CUDA, as a node with a broken driver.
      const env = { ...process.env, CUDA_VISIBLE_DEVICES: "0" };
      const args = ["run", one, out, "--superni", SUPERNI, "--retries", "2", "--executor", "slurm"];
      const sub = await cli(args, env);
      expect(sub.code, sub.err).toBe(0);
      const s = await waitForJobs(out, 120_000);
      expect(s.tasks.map((t) => t.state)).toEqual(s.tasks.map(() => "FAILED"));
      const logs = join(out, "slurm", "logs");
      const log = (await Promise.all((await readdir(logs)).map((f) => readFile(join(logs, f), "utf8")))).join(
        "",
      );
      expect(log).toMatch(
        /^FAIL {2}device {4}CUDA_VISIBLE_DEVICES=0 \(the GPUs this process was given\): no CUDA/m,
      );
      expect(log).toMatch(
        /^quicklearn: error: preflight: CUDA_VISIBLE_DEVICES=0 \(the GPUs this process was given\): no CUDA GPU/m,
      );
      const st = JSON.parse((await cli(["status", out, "--json"])).out);
      expect([st.pending, st.failed, st.done]).toEqual([st.total, 0, 0]);
    },
    120_000,
  );
});
