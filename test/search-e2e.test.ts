import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../src/engine/index.js";
import { projectRoot, venvPython } from "../src/util/paths.js";
import { DEMO_SUPERNI as SUPERNI, DEMO_TEST_TASKS } from "./helpers/superni.js";

/**
 * The adaptive budget search end to end (issue 17) with the real engine on CPU: a tiny T5, a bundled test
 * task, the instruction-tuned arm's STL budgets searched against 90 % of the supervised baseline. One
 * uninterrupted search; one killed (SIGKILL, orchestrator and engine) once its second round is planned and
 * resumed: the same rounds, the same answer, no finished run repeated. Then plan, status and report.
 */

const CLI = join(projectRoot, "test", "helpers", "quicklearn-cli.ts");
const haveEngine = existsSync(venvPython());

// One task, one epoch, short generations: the search's rounds, not the model, are what is tested here.
const spec = (model: string) => `name: search-e2e
tasks: [${DEMO_TEST_TASKS[1]}]
seeds: [7]
hyperparameters:
  epochs: 1
  learning_rate: 1.0e-3
  effective_batch_size: 4
  max_source_length: 64
  max_target_length: 8
  precision: fp32
evaluation: {variant: superni, max_new_tokens: 4, num_beams: 1}
arms:
  - name: B3
    role: supervised
    model: ${model}
    encoding: plain
    settings: [stl]
    budgets: [all]
  - name: inst
    role: instruction-tuned
    model: ${model}
    encoding: plain
    settings: [stl]
search:
  target: { share_of: { arm: B3, setting: stl, budget: all }, share: 0.9 }
  arms: [inst]
  settings: [stl]
  min_budget: 4
  tolerance: 0.25
  max_rounds: 3
`;

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

interface SearchRecord {
  curves: { curve: string; state: string; round: number; budget: number | null; runs: number }[];
  rounds: { round: number; curve: string; budget: string; reason: string }[];
}

async function searchOf(dir: string): Promise<SearchRecord | null> {
  const text = await readFile(join(dir, "plan.json"), "utf8").catch(() => null);
  return text ? ((JSON.parse(text) as { search?: SearchRecord }).search ?? null) : null;
}

async function doneStates(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of await readdir(join(dir, "runs")).catch(() => [])) {
    const text = await readFile(join(dir, "runs", id, "state.json"), "utf8").catch(() => "");
    if (text && JSON.parse(text).status === "done") out.set(id, text);
  }
  return out;
}

describe.skipIf(!haveEngine)("adaptive budget search end to end (real engine, tiny model, CPU)", () => {
  let root: string;
  let specPath: string;
  let clean: SearchRecord;
  const run = (out: string) =>
    cli(["run", specPath, out, "--superni", SUPERNI, "--cpu", "--retries", "0", "--no-check"]);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-search-e2e-"));
    await makeTinyModel({ arch: "t5", out: join(root, "base"), corpus: SUPERNI, vocabSize: 600 });
    specPath = join(root, "study.yaml");
    await writeFile(specPath, spec(join(root, "base")));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("plans round 0 and the worst case", { timeout: 60_000 }, async () => {
    const r = await finish(cli(["plan", specPath, "--superni", SUPERNI, "--json"]));
    expect(r.code, r.err).toBe(0);
    const plan = JSON.parse(r.out) as { runs: { arm: string; budget: string }[]; search: SearchRecord };
    // Round 0: the target's run and min_budget with a decade above it.
    const budgets = plan.runs.map((x) => `${x.arm}/${x.budget}`).sort();
    expect(budgets).toEqual(["B3/all", "inst/4", "inst/40"]);
    expect(plan.search.rounds.map((x) => [x.round, x.budget])).toEqual([
      [0, "4"],
      [0, "40"],
    ]);
    const text = await finish(cli(["plan", specPath, "--superni", SUPERNI]));
    // Two more rounds of one run each at most.
    expect(text.out).toMatch(/worst case \(max_rounds 3, .*\): at most 5 runs \(round 0: 3\)/);
  });

  it(
    "searches until every curve stops; plan.json records each round and why",
    { timeout: 300_000 },
    async () => {
      const out = join(root, "clean");
      const r = await finish(run(out));
      expect(r.code, r.err).toBe(0);
      clean = (await searchOf(out))!;
      expect(clean.curves).toHaveLength(1);
      const curve = clean.curves[0]!;
      expect(curve.state).not.toBe("running");
      expect(clean.rounds.length).toBeGreaterThanOrEqual(3);
      expect(clean.rounds.at(-1)!.round).toBe(curve.round);
      // Each later round names why it chose its budget; no budget is run twice.
      for (const round of clean.rounds.filter((x) => x.round > 0))
        expect(round.reason).toMatch(/running \d+/);
      expect(new Set(clean.rounds.map((x) => x.budget)).size).toBe(clean.rounds.length);

      const status = await finish(cli(["status", out, "--json"]));
      const s = JSON.parse(status.out) as { total: number; done: number; search: unknown };
      expect(s.done).toBe(s.total);
      expect(s.search).toEqual([
        { arm: "inst", setting: "stl", scope: "overall", round: curve.round, state: curve.state },
      ]);

      const report = await finish(cli(["report", out, "--json"]));
      expect(report.code, report.err).toBe(0);
      const row = (JSON.parse(report.out) as { search: Record<string, unknown>[] }).search[0]!;
      expect(row).toMatchObject({
        arm: "inst",
        setting: "stl",
        scope: "overall",
        state: curve.state,
        rounds: curve.round + 1,
        budgets_run: clean.rounds.map((x) => x.budget),
        runs: clean.rounds.length,
      });
      expect(row.train_sample_passes).toBeLessThan(row.grid_train_sample_passes as number);
      // report.html draws the rounds: a marker per budget run, labelled by the round that chose it.
      const html = await readFile(join(out, "report.html"), "utf8");
      const points = /class="mark-symbol role-mark search_round_points_marks"[^>]*>([\s\S]*?)<\/g>/.exec(
        html,
      );
      const markers = [...(points?.[1] ?? "").matchAll(/aria-label="round (\d+): (\S+) examples per task/g)];
      expect(markers.map((m) => [Number(m[1]), m[2]])).toEqual(clean.rounds.map((x) => [x.round, x.budget]));
      expect(html).toContain("search_target_marks");
      expect(html).toMatch(
        new RegExp(
          `<figcaption>Budget search \\(inst STL\\): inst STL, target 90 % of B3 stl at all \\(ROUGE-L [\\d.]+\\): searched in ${curve.round + 1} rounds: `,
        ),
      );

      // Run again: the decisions are recomputed from the results and come out the same; nothing reruns.
      const before = await doneStates(out);
      const again = await finish(run(out));
      expect(again.code, again.err).toBe(0);
      expect(await searchOf(out)).toEqual(clean);
      expect(await doneStates(out)).toEqual(before);
    },
  );

  it(
    "survives SIGKILL once round 1 is planned and resumes to the same rounds",
    { timeout: 300_000 },
    async () => {
      const out = join(root, "killed");
      const p = run(out);
      const ended = finish(p);
      const deadline = Date.now() + 240_000;
      while (!((await searchOf(out))?.rounds.some((x) => x.round >= 1) ?? false)) {
        if (Date.now() > deadline) throw new Error("round 1 was never planned");
        await new Promise((r) => setTimeout(r, 100));
      }
      process.kill(-p.pid!, "SIGKILL");
      await ended;
      const seen = await doneStates(out);
      const planned = (await searchOf(out))!.rounds;

      const r = await finish(run(out));
      expect(r.code, r.err).toBe(0);
      const resumed = (await searchOf(out))!;
      expect(resumed.rounds.slice(0, planned.length)).toEqual(planned);
      expect(resumed).toEqual(clean);
      // A run done before the kill was never run again.
      const now = await doneStates(out);
      for (const [id, text] of seen) expect(now.get(id)).toBe(text);
    },
  );
});
