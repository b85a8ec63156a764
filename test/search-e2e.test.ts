import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../src/engine/index.js";
import { venvPython } from "../src/util/paths.js";
import {
  doneStates,
  finish,
  killAtRoundOneAndRerun,
  searchOf,
  spawnCli as cli,
  type SearchRecord,
} from "./helpers/search-run.js";
import { DEMO_SUPERNI as SUPERNI } from "./helpers/superni.js";
import { searchStudyYaml } from "./helpers/tiny-study.js";

/**
 * The adaptive budget search end to end (issue 17) with the real engine on CPU: a tiny T5, a bundled test
 * task, the instruction-tuned arm's STL budgets searched against 90 % of the supervised baseline. One
 * uninterrupted search; one killed (SIGKILL, orchestrator and engine) once its second round is planned and
 * resumed: the same rounds, the same answer, no finished run repeated. Then plan, status and report.
 */

const haveEngine = existsSync(venvPython());

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
    await writeFile(specPath, searchStudyYaml(join(root, "base")));
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
      const { seen, planned, rerun, resumed, now } = await killAtRoundOneAndRerun(
        () => run(out),
        out,
        240_000,
      );
      expect(rerun.code, rerun.err).toBe(0);
      expect(resumed.rounds.slice(0, planned.length)).toEqual(planned);
      expect(resumed).toEqual(clean);
      // A run done before the kill was never run again.
      for (const [id, text] of seen) expect(now.get(id)).toBe(text);
    },
  );
});
