/** `quicklearn curve DIR`: a study's fitted curves and the questions asked of them (issue 21's Interfaces). */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeThesisStudy } from "./fixtures/thesis-study.js";
import { runCli } from "./helpers/cli.js";

let root: string;
let study: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "quicklearn-curve-study-"));
  study = join(root, "thesis");
  await writeThesisStudy(study, { instances: 30 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const FAST = ["--resamples", "200"];

describe("quicklearn curve DIR", () => {
  it("answers how many examples per task reach 95 % of the supervised score, with an interval", async () => {
    const r = await runCli([
      "curve",
      study,
      "--arm",
      "inst",
      "--setting",
      "stl",
      "--share-of",
      "B3:stl:all",
      "--share",
      "0.95",
      "--at",
      "5000",
      ...FAST,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.fits).toHaveLength(1);
    expect(doc.fits[0]).toMatchObject({
      arm: "inst",
      setting: "stl",
      scope: "overall",
      family: "auto",
      n_points: 4,
    });
    for (const key of ["params", "sse", "rmse", "asymptote", "backtest", "ci"])
      expect(doc.fits[0]).toHaveProperty(key);
    const [share, at] = doc.queries;
    expect(share).toMatchObject({
      arm: "inst",
      setting: "stl",
      scope: "overall",
      extrapolated: expect.any(Boolean),
    });
    expect(share.baseline).toEqual({ arm: "B3", setting: "stl", budget: "all" });
    expect(share.budget).toBeGreaterThan(0);
    expect(share.ci[0]).toBeLessThanOrEqual(share.budget);
    expect(at).toMatchObject({ at: 5000, extrapolated: true });
    expect(at.pi[0]).toBeLessThanOrEqual(at.ci[0]);
  });

  it("fits one task's curve with --task, and says why a single-budget arm has none", async () => {
    const plan = JSON.parse(await readFile(join(study, "plan.json"), "utf8"));
    const task: string = plan.runs.find((r: { task: string | null }) => r.task !== null).task;
    const one = await runCli([
      "curve",
      study,
      "--arm",
      "inst",
      "--setting",
      "mtl",
      "--task",
      task,
      ...FAST,
      "--json",
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).fits[0]).toMatchObject({ setting: "mtl", scope: task });
    const none = await runCli(["curve", study, "--arm", "B3", ...FAST]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/B3 stl \(overall\): 1 distinct budget/);
  });

  it.each([
    [["--match", "X:stl:all"], /--match X:stl:all: no scored condition/],
    [["--match", "B3-stl-all"], /--match "B3-stl-all": expected ARM:SETTING:BUDGET/],
    [["--share-of", "B3:stl:all"], /--share-of and --share go together/],
    [
      ["--share-of", "B3:stl:all", "--share", "1.5"],
      /--share 1.5: a share of the baseline's score is at most 1/,
    ],
    [["--group", "Other Categories", "--task", "t"], /give one scope/],
    [["--arm", "nobody"], /--arm nobody: the study has no such arm/],
    [["--task", "not_a_task"], /not_a_task: neither a report group nor a task/],
    [["--points", "x.csv"], /either DIR or --points, not both/],
  ])("refuses %j with one line and exit 2", async (args, message) => {
    const r = await runCli(["curve", study, ...args, ...FAST]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses study-only flags with --points", async () => {
    const r = await runCli(["curve", "--points", "x.csv", "--arm", "inst"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--arm asks a study's curves: give DIR instead of --points/);
  });
});
