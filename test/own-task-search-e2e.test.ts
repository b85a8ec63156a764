/**
 * A searched budget on the user's own task (issues 15 and 17) with the real engine on CPU: a CSV imported
 * into a collection, a tiny T5, and `search: {per_task: true}` asking how many of the task's own labels
 * reach 90 % of the model trained on all of them. One uninterrupted search; one killed (SIGKILL, the
 * orchestrator and its engine) once round 1 is planned, then resumed: the same rounds and answer, no
 * finished run repeated.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../src/engine/index.js";
import { venvPython } from "../src/util/paths.js";
import { runCli } from "./helpers/cli.js";
import { ticketsCsv } from "./helpers/own-tasks.js";
import {
  finish,
  killAtRoundOneAndRerun,
  searchOf,
  spawnCli,
  type SearchRecord,
} from "./helpers/search-run.js";

const haveEngine = existsSync(venvPython());

const TASK = "task9101_ticket_routing";
// 400 rows, 2 of them drawn as positive examples: 100 test, 10 validation, 288 to train on.
const ROWS = 400;
const TRAIN = ROWS - 2 - 110;
/** The dense grid the search is weighed against, on this task: 10, 20, 50, 100, 200 and all. */
const GRID_RUNS = [10, 20, 50, 100, 200, 500, 1000].filter((b) => b < TRAIN).length + 1;

// One task, one epoch, short lengths: the search's rounds on an imported task are what is tested here.
const SPEC = `name: own-task-search
superni: ./my-tasks
tasks: [${TASK}]
seeds: [7]
hyperparameters:
  epochs: 1
  learning_rate: 3.0e-3
  effective_batch_size: 4
  max_source_length: 48
  max_target_length: 4
  precision: fp32
  checkpoint_every_steps: 0
evaluation: {variant: superni, max_new_tokens: 3, num_beams: 1}
arms:
  - name: sup
    role: supervised
    model: ./t5
    encoding: plain
    settings: [stl]
    budgets: [all]
  - name: inst
    role: instruction-tuned
    model: ./t5
    encoding: thesis-def-pos
    settings: [stl]
search:
  target: { share_of: { arm: sup, setting: stl, budget: all }, share: 0.9 }
  arms: [inst]
  settings: [stl]
  per_task: true
  min_budget: 4
  max_rounds: 3
`;

describe.skipIf(!haveEngine)(
  "searching the budget of the user's own task (real engine, tiny model, CPU)",
  () => {
    let root: string;
    let clean: SearchRecord;
    const run = (out: string) =>
      spawnCli(["run", join(root, "study.yaml"), out, "--cpu", "--retries", "0", "--no-check"]);

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), "ql-own-search-"));
      await writeFile(join(root, "tickets.csv"), ticketsCsv(ROWS));
      const imported = await runCli([
        "task",
        "import",
        join(root, "tickets.csv"),
        "--out",
        join(root, "my-tasks"),
        "--name",
        TASK,
        "--input",
        "text",
        "--output",
        "team",
        "--id",
        "ticket_id",
        "--positive-examples",
        "2",
        "--definition",
        "Route the ticket to a team: it or finance.",
      ]);
      expect(imported.code, imported.stderr).toBe(0);
      await makeTinyModel({
        arch: "t5",
        out: join(root, "t5"),
        corpus: join(root, "my-tasks"),
        vocabSize: 300,
      });
      await writeFile(join(root, "study.yaml"), SPEC);
    }, 120_000);
    afterAll(async () => {
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("searches the task's own budget until it stops, with fewer runs and passes than the grid", async () => {
      const out = join(root, "clean");
      const r = await finish(run(out));
      expect(r.code, r.err).toBe(0);
      clean = (await searchOf(out))!;
      // per_task: the task's own curve, its `all` the task's own train split.
      expect(clean.curves.map((c) => [c.curve, c.task])).toEqual([[`inst/stl/${TASK}`, TASK]]);
      const curve = clean.curves[0]!;
      expect(curve.state).not.toBe("running");
      expect(clean.rounds.map((x) => x.budget).slice(0, 2)).toEqual(["4", "40"]);
      for (const round of clean.rounds.filter((x) => x.round > 0)) {
        expect(round.reason).toMatch(/running \d+/);
        expect(round.budget).toMatch(/^(\d+|all)$/);
      }
      expect(new Set(clean.rounds.map((x) => x.budget)).size).toBe(clean.rounds.length);
      expect(r.err).toMatch(
        new RegExp(`search inst stl ${TASK}: ${curve.state} after ${curve.round + 1} rounds`),
      );

      const status = JSON.parse((await runCli(["status", out, "--json"])).stdout);
      expect(status.search).toEqual([
        { arm: "inst", setting: "stl", scope: TASK, round: curve.round, state: curve.state },
      ]);
      const report = await runCli(["report", out, "--json"]);
      expect(report.code, report.stderr).toBe(0);
      const [row] = JSON.parse(report.stdout).search as Record<string, unknown>[];
      expect(row).toMatchObject({
        arm: "inst",
        setting: "stl",
        scope: TASK,
        state: curve.state,
        budgets_run: clean.rounds.map((x) => x.budget),
        runs: clean.rounds.length,
      });
      expect(row!.runs).toBeLessThan(GRID_RUNS);
      expect(row!.train_sample_passes).toBeLessThan(row!.grid_train_sample_passes as number);
    }, 240_000);

    it("resumes after SIGKILL once round 1 is planned: the same rounds and answer, no run repeated", async () => {
      const out = join(root, "killed");
      const { seen, planned, rerun, resumed, now } = await killAtRoundOneAndRerun(
        () => run(out),
        out,
        180_000,
      );
      expect(rerun.code, rerun.err).toBe(0);
      expect(resumed.rounds.slice(0, planned.length)).toEqual(planned);
      expect(resumed.rounds).toEqual(clean.rounds);
      expect(resumed.curves).toEqual(clean.curves);
      expect(seen.size).toBeGreaterThan(0);
      for (const [id, text] of seen) expect(now.get(id), id).toBe(text);
    }, 240_000);
  },
);
