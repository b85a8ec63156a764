import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Truncation } from "../src/analysis/index.js";
import { makeTinyModel } from "../src/engine/index.js";
import { projectRoot, venvPython } from "../src/util/paths.js";
import { roundPercent } from "../src/util/round.js";
import { DEMO_SUPERNI as SUPERNI } from "./helpers/superni.js";
import { pftAndBaseline, tinyStudyYaml } from "./helpers/tiny-study.js";

/**
 * End to end with the real engine on CPU: a tiny local T5, two shared SuperNI test tasks, a pre-finetune
 * that B1 starts from, STL and MTL, two budgets. Then the crash test: SIGKILL the orchestrator and its
 * engine worker at random moments, resume, and check every run ends done exactly once with the results of
 * an uninterrupted run.
 */

const CLI = join(projectRoot, "test", "helpers", "quicklearn-cli.ts");
const haveEngine = existsSync(venvPython());

const spec = (model: string) =>
  tinyStudyYaml(
    "e2e",
    pftAndBaseline(model, 6, "[stl, mtl]") +
      `  - name: inst
    role: instruction-tuned
    model: ${model}
    encoding: thesis-def-pos
    settings: [stl]
    budgets: [4, 8]
`,
  );

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: killing the group kills the engine worker too
    env: { ...process.env, QUICKLEARN_LOCK_STALE_S: "30" },
  });
}

async function finish(p: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = "";
  let err = "";
  p.stdout!.on("data", (d) => (out += d));
  p.stderr!.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((r) => p.on("close", (c) => r(c)));
  return { code, out, err };
}

/** Wait for a condition the test cannot be told about (another process's file), up to a deadline. */
async function until(cond: () => boolean, deadlineMs = 60_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met before the deadline");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function results(dir: string): Promise<unknown> {
  return JSON.parse(await readFile(join(dir, "results.json"), "utf8"));
}

async function doneStates(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of await readdir(join(dir, "runs"))) {
    const text = await readFile(join(dir, "runs", id, "state.json"), "utf8").catch(() => "");
    if (text && JSON.parse(text).status === "done") out.set(id, text);
  }
  return out;
}

describe.skipIf(!haveEngine)("study end to end (real engine, tiny model, CPU)", () => {
  let root: string;
  let specPath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-e2e-"));
    await makeTinyModel({ arch: "t5", out: join(root, "base"), corpus: SUPERNI, vocabSize: 600 });
    specPath = join(root, "study.yaml");
    await writeFile(specPath, spec(join(root, "base")));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("runs a small study, refuses a second run on the same directory, reports status and results", async () => {
    const out = join(root, "clean");
    const first = cli(["run", specPath, "--out", out, "--superni", SUPERNI, "--cpu", "--retries", "0"]);
    // While the first holds the lock, a second run on the same directory refuses.
    await until(() => existsSync(join(out, ".lock")));
    const second = await finish(cli(["run", specPath, "--out", out, "--superni", SUPERNI, "--cpu"]));
    expect(second.code).toBe(2);
    expect(second.err).toMatch(/is in use by quicklearn run \(pid \d+/);
    const r = await finish(first);
    expect(r.code, r.err).toBe(0);

    const status = await finish(cli(["status", out, "--json"]));
    expect(JSON.parse(status.out)).toEqual({
      total: 8,
      done: 8,
      failed: 0,
      running: 0,
      pending: 0,
      failures: [],
    });
    const plan = JSON.parse(await readFile(join(out, "plan.json"), "utf8"));
    expect(plan.totals.by_setting).toEqual({ stl: 6, mtl: 1, prefinetune: 1, eval: 0 });
    const pft = plan.runs.find((x: { setting: string }) => x.setting === "prefinetune");
    expect(existsSync(join(out, "runs", pft.id, "model"))).toBe(true);
    const res = (await results(out)) as {
      rows: { run: string; task: string; metric: string; value: number }[];
    };
    // 6 STL runs x 1 task + 1 MTL run x 2 tasks, 3 metrics each.
    expect(res.rows).toHaveLength((6 + 2) * 3);
    expect(await readFile(join(out, "results.csv"), "utf8")).toMatch(
      /^run,arm,setting,budget,seed,model,encoding,task,category,metric,value,n\n/,
    );
    // results.json is derived from the runs' own scores.json, figure for figure (rounded to 4 decimals).
    for (const row of res.rows) {
      const scores = JSON.parse(await readFile(join(out, "runs", row.run, "scores.json"), "utf8"));
      expect(row.value, `${row.run} ${row.task} ${row.metric}`).toBe(
        roundPercent(scores.tasks[row.task][row.metric]),
      );
    }

    // The report carries the truncation the engine reported (thesis-def-pos sources exceed 96 tokens),
    // per task and condition, in JSON and CSV.
    const report = await finish(cli(["report", out, "--json", "--csv", join(out, "csv")]));
    expect(report.code, report.err).toBe(0);
    const tasks = (JSON.parse(report.out) as { tasks: { arm: string; truncation: Truncation | null }[] })
      .tasks;
    const inst = tasks.filter((t) => t.arm === "inst");
    expect(inst).toHaveLength(4);
    for (const t of inst) {
      const stats = t.truncation!;
      expect(stats.train!.rows).toBeGreaterThan(0);
      expect(stats.train!.truncated_sources).toBeGreaterThan(0);
      expect(stats.eval!.truncated_sources).toBe(stats.eval!.rows);
    }
    const csv = (await readFile(join(out, "csv", "tasks.csv"), "utf8")).trim().split("\n");
    const col = csv[0]!.split(",").indexOf("train_truncated_sources");
    const instRows = csv.slice(1).filter((line) => line.split(",")[3] === "inst");
    expect(instRows.map((line) => Number(line.split(",")[col]))).toEqual(
      inst.map((t) => t.truncation!.train!.truncated_sources),
    );

    // Running again repeats nothing.
    const before = await doneStates(out);
    const again = await finish(cli(["run", specPath, "--out", out, "--superni", SUPERNI, "--cpu"]));
    expect(again.code, again.err).toBe(0);
    expect(await doneStates(out)).toEqual(before);
  });

  it("survives SIGKILL of the orchestrator and its worker at random moments; resumes to the same results", async () => {
    const out = join(root, "crashy");
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let seen = new Map<string, string>();
    for (let k = 0; k < 4; k++) {
      const p = cli(["run", specPath, "--out", out, "--superni", SUPERNI, "--cpu", "--retries", "0"]);
      const ended = finish(p);
      // Start-up (node, data build, torch import) takes ~8 s: kill anywhere from there to mid-study.
      await new Promise((r) => setTimeout(r, 6000 + rand() * 16000));
      try {
        process.kill(-p.pid!, "SIGKILL");
      } catch {
        // it had already finished
      }
      await ended;
      // A run done before this kill is never touched again (done exactly once).
      const now = await doneStates(out);
      for (const [id, text] of seen) expect(now.get(id)).toBe(text);
      seen = now;
    }
    const last = await finish(
      cli(["run", specPath, "--out", out, "--superni", SUPERNI, "--cpu", "--retries", "0"]),
    );
    expect(last.code, last.err).toBe(0);
    const now = await doneStates(out);
    for (const [id, text] of seen) expect(now.get(id)).toBe(text);
    const plan = JSON.parse(await readFile(join(out, "plan.json"), "utf8")) as { runs: { id: string }[] };
    expect([...now.keys()].sort()).toEqual(plan.runs.map((r) => r.id).sort());
    expect(await results(out)).toEqual(await results(join(root, "clean")));
    // Not only the scores: every run's predictions are byte-identical to the uninterrupted study's.
    for (const id of now.keys()) {
      const p = join("runs", id, "predictions.jsonl");
      if (existsSync(join(root, "clean", p)))
        expect(await readFile(join(out, p), "utf8"), id).toBe(await readFile(join(root, "clean", p), "utf8"));
    }
  });
});
