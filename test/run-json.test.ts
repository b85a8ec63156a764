// `run --json` (issue 18): a machine-readable summary at the end, the status counts plus the results files.
// A study whose every run is already done: `run` plans, builds the data and starts no engine.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StudyStore } from "../src/runner/store/index.js";
import { runCli } from "./helpers/cli.js";
import { DEMO_SUPERNI } from "./helpers/superni.js";

const SPEC = `name: run-json
tasks: [task020_mctaco_span_based_question]
data_seed: 42
seeds: [7]
evaluation: {variant: superni, max_new_tokens: 8, num_beams: 1}
arms:
  - name: zs
    role: zero-shot
    model: org/m
    encoding: plain
    settings: [eval]
`;

describe("run --json", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-run-json-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints one JSON document: the study directory, the status counts and the results files", async () => {
    const spec = join(dir, "s.yaml");
    const study = join(dir, "study");
    await writeFile(spec, SPEC);
    const plan = await runCli(["plan", spec, "--superni", DEMO_SUPERNI, "--json"]);
    expect(plan.code, plan.stderr).toBe(0);
    const store = new StudyStore(study);
    for (const run of JSON.parse(plan.stdout).runs)
      await store.recordFinishedRun(
        { ...run, variant: "superni", eval_tasks: [run.task ?? "task020_mctaco_span_based_question"] },
        { instanceScores: [], stats: {} },
      );

    const r = await runCli(["run", spec, study, "--superni", DEMO_SUPERNI, "--cpu", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("1/1 runs done at start");
    const doc = JSON.parse(r.stdout);
    expect(doc).toEqual({
      dir: study,
      executor: "local",
      total: 1,
      done: 1,
      failed: 0,
      running: 0,
      pending: 0,
      failures: [],
      stopped: false,
      results_csv: join(study, "results.csv"),
      results_json: join(study, "results.json"),
    });
    expect(existsSync(doc.results_csv)).toBe(true);
    // The same directory through the old flag: same summary.
    const old = await runCli(["run", spec, "--out", study, "--superni", DEMO_SUPERNI, "--cpu", "--json"]);
    expect(old.code, old.stderr).toBe(0);
    expect(JSON.parse(old.stdout)).toEqual(doc);
  });
});
