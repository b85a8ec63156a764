import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { UserError } from "../util/errors.js";
import { planStudy, type PlanContext } from "./plan.js";
import {
  budgetRange,
  parseSearch,
  roundZeroBudgets,
  searchedCurves,
  searchPlan,
  searchWorstCase,
  searchRuns,
  startingBudgets,
  targetRuns,
} from "./search.js";
import { validateStudy } from "./spec.js";

/** The issue's example block, as written there. */
const ISSUE_YAML = `
search:
  target: {arm: B3, setting: stl, budget: all}   # or {score: 70} or {share_of: {arm: B3, setting: stl, budget: all}, share: 0.95}
  arms: [inst]            # arms whose budgets are searched
  settings: [stl, mtl]
  per_task: false         # true: each task gets its own budget (STL), the question for a user's own task
  min_budget: 10
  max_budget: all
  tolerance: 0.25         # stop when the budget's 95 % interval is within +-25 % of its estimate
  max_rounds: 6
`;
const example = () => (parse(ISSUE_YAML) as { search: Record<string, unknown> }).search;

const study = validateStudy(
  {
    name: "s",
    tasks: ["t1", "t2"],
    seeds: [1, 2],
    arms: [
      {
        name: "inst",
        model: "org/instruct",
        encoding: "tk-instruct",
        settings: ["stl", "mtl"],
        budgets: [10, 20, 50, 100, 200, 500, 1000, "all"],
      },
      { name: "B3", model: "org/base", encoding: "plain", settings: ["stl"], budgets: [100, "all"] },
      { name: "zs", model: "org/instruct", encoding: "tk-instruct", settings: ["eval"] },
    ],
  },
  "test",
);
const ctx: PlanContext = {
  tasks: ["t1", "t2"],
  trainSizes: new Map([
    ["t1", 600],
    ["t2", 2000],
  ]),
  testSizes: new Map(),
  prefinetuneTaskCount: 0,
  estimateTrainSize: 3000,
  estimated: false,
  baseDir: "/tmp",
  modelIds: new Map(),
  preset: null,
};

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("expected a UserError");
}

describe("search block", () => {
  it("accepts the issue's example and its two other target forms", () => {
    expect(parseSearch(example(), "s.yaml", study)).toEqual({
      target: { arm: "B3", setting: "stl", budget: "all" },
      arms: ["inst"],
      settings: ["stl", "mtl"],
      per_task: false,
      min_budget: 10,
      max_budget: "all",
      tolerance: 0.25,
      max_rounds: 6,
    });
    expect(parseSearch({ ...example(), target: { score: 70 } }, "s.yaml", study).target).toEqual({
      score: 70,
    });
    const share = { share_of: { arm: "B3", setting: "stl", budget: "all" }, share: 0.95 };
    expect(parseSearch({ ...example(), target: share }, "s.yaml", study).target).toEqual(share);
    expect(parseSearch({ target: { score: 70 }, arms: ["inst"], settings: ["stl"] }, "s.yaml")).toMatchObject(
      {
        per_task: false,
        min_budget: 10,
        max_budget: "all",
        tolerance: 0.25,
        max_rounds: 6,
      },
    );
  });

  it.each([
    [{ target: { score: "70" } }, "search.target.score: expected number, received string"],
    [
      { target: { share_of: { arm: "B3", setting: "stl", budget: "all" }, share: 95 } },
      "search.target.share: expected a share in (0, 1], e.g. 0.95",
    ],
    [{ target: { arm: "B3", setting: "stl" } }, "search.target.budget: required for stl (e.g. all)"],
    [{ target: { arm: "B3", setting: "stl", budget: "lots" } }, "search.target.budget: expected a budget"],
    [
      { target: { arm: "B3", setting: "stl", budget: "all", score: 3 } },
      "search.target: unknown field arm, setting, budget",
    ],
    [{ target: 70 }, "search.target: expected one of {arm, setting, budget}, {score: S}"],
    [{ settings: ["eval"] }, "search.settings[0]:"],
    [{ per_task: true }, "search.settings: per_task: true searches each task's own (stl) curve"],
    [{ min_budget: 0 }, "search.min_budget:"],
    [{ max_budget: 5 }, "search.max_budget: must be above min_budget (10), or all"],
    [{ max_budget: "most" }, "search.max_budget:"],
    [{ tolerance: 1.5 }, "search.tolerance:"],
    [{ max_rounds: 2 }, "search.max_rounds:"],
    [{ rounds: 3 }, "search: unknown field rounds"],
    [{ arms: [] }, "search.arms:"],
  ])("refuses %j with a message naming the field", (change, expected) => {
    expect(message(() => parseSearch({ ...example(), ...change }, "s.yaml"))).toContain(
      `s.yaml: ${expected}`,
    );
  });

  it.each([
    [{ arms: ["nope"] }, 'search.arms[0]: "nope" is not an arm of this study'],
    [
      { arms: ["B3"], target: { score: 1 } },
      'search.arms[0]: arm "B3" has no mtl setting (its settings: stl)',
    ],
    [{ target: { arm: "zz", setting: "stl", budget: "all" } }, 'search.target.arm: "zz" is not an arm'],
    [
      { target: { arm: "zs", setting: "stl", budget: "all" } },
      'search.target.setting: arm "zs" has no stl setting',
    ],
    [
      { target: { arm: "inst", setting: "mtl", budget: "all" } },
      "search.target: the target inst mtl is itself a searched curve",
    ],
  ])("refuses %j against the study's arms", (change, expected) => {
    expect(message(() => parseSearch({ ...example(), ...change }, "s.yaml", study))).toContain(
      `s.yaml: ${expected}`,
    );
  });
});

describe("search runs", () => {
  const search = parseSearch(example(), "s.yaml", study);
  const grid = planStudy(study, ctx).runs;

  it("gives a searched budget's runs the ids the same budget has in a grid", () => {
    const [stl, mtl] = searchedCurves(search, ctx.tasks);
    const runs = searchRuns(study, ctx, [
      { curve: stl!, budgets: [100, 1300] },
      { curve: mtl!, budgets: [100] },
    ]);
    const inGrid = grid.filter((r) => r.arm === "inst" && r.budget === "100");
    expect(
      runs
        .filter((r) => r.budget === "100")
        .map((r) => r.id)
        .sort(),
    ).toEqual(inGrid.map((r) => r.id).sort());
    // 2 tasks x 2 seeds of stl at 100 and at 1300 (not in the grid), 2 seeds of mtl at 100.
    expect(runs).toHaveLength(10);
    expect(runs.filter((r) => r.budget === "1300").every((r) => r.setting === "stl")).toBe(true);
  });

  it("maps a budget at or above the curve's all size to the grid's all runs", () => {
    const perTask = parseSearch({ ...example(), settings: ["stl"], per_task: true }, "s.yaml", study);
    const curves = searchedCurves(perTask, ctx.tasks);
    expect(curves.map((c) => c.task)).toEqual(["t1", "t2"]);
    expect(budgetRange(perTask, curves[0]!, ctx)).toEqual({ minBudget: 10, maxBudget: 600, all: 600 });
    const runs = searchRuns(study, ctx, [{ curve: curves[0]!, budgets: [600] }]);
    const gridAll = grid.filter(
      (r) => r.arm === "inst" && r.setting === "stl" && r.budget === "all" && r.task === "t1",
    );
    expect(runs.map((r) => r.id).sort()).toEqual(gridAll.map((r) => r.id).sort());
  });

  it("keeps an arm's pre-finetune dependency and its data replicates, as the grid plans them", () => {
    const withPft = validateStudy(
      {
        name: "p",
        tasks: ["t1", "t2"],
        data_replicates: 2,
        prefinetune: { per_task: 10, tasks: ["x1"] },
        arms: [
          { name: "pft", model: "org/base", encoding: "tk-instruct", settings: ["prefinetune"] },
          { name: "B1", from: "pft", encoding: "tk-instruct", settings: ["stl"], budgets: [100, "all"] },
          { name: "B3", model: "org/base", encoding: "plain", settings: ["stl"], budgets: ["all"] },
        ],
      },
      "test",
    );
    const s = parseSearch({ ...example(), arms: ["B1"], settings: ["stl"] }, "s.yaml", withPft);
    const runs = searchRuns(withPft, ctx, [{ curve: searchedCurves(s, ctx.tasks)[0]!, budgets: [100] }]);
    const inGrid = planStudy(withPft, ctx).runs.filter((r) => r.arm === "B1" && r.budget === "100");
    expect(runs).toHaveLength(4); // 2 tasks x 2 replicates
    expect(runs.map((r) => r.id).sort()).toEqual(inGrid.map((r) => r.id).sort());
    expect(
      runs.every((r) => r.depends_on.length === 1 && r.depends_on[0]!.startsWith("prefinetune-pft")),
    ).toBe(true);
  });

  it("plans round 0: the target's runs and min_budget and a decade above", () => {
    expect(startingBudgets(budgetRange(search, searchedCurves(search, ctx.tasks)[0]!, ctx))).toEqual([
      10, 100,
    ]);
    expect(startingBudgets({ minBudget: 10, maxBudget: 60 })).toEqual([10, 60]);
    const target = targetRuns(study, ctx, { arm: "B3", setting: "stl", budget: "all" });
    expect(target.map((r) => r.id).sort()).toEqual(
      grid
        .filter((r) => r.arm === "B3" && r.budget === "all")
        .map((r) => r.id)
        .sort(),
    );
    expect(targetRuns(study, ctx, { arm: "zs", setting: "eval" })).toHaveLength(2);
  });
});

describe("a study with a search block", () => {
  const searched = (inst: Record<string, unknown>, search: Record<string, unknown>) =>
    validateStudy(
      {
        name: "s",
        tasks: ["t1", "t2"],
        arms: [
          { name: "inst", model: "org/instruct", encoding: "tk-instruct", ...inst },
          { name: "B3", model: "org/base", encoding: "plain", settings: ["stl"], budgets: [100, "all"] },
        ],
        search: { target: { arm: "B3", setting: "stl", budget: "all" }, arms: ["inst"], ...search },
      },
      "test",
    );

  it("lets a searched arm leave out budgets, and only for the settings searched", () => {
    expect(searched({ settings: ["stl"] }, { settings: ["stl"] }).search?.max_rounds).toBe(6);
    expect(() => searched({ settings: ["stl", "mtl"] }, { settings: ["stl"] })).toThrow(
      "test: arms[0].budgets: required for stl/mtl settings",
    );
    expect(() => searched({ settings: ["stl"], budgets: [20] }, { settings: ["mtl"] })).toThrow(
      'test: search.arms[0]: arm "inst" has no mtl setting',
    );
  });

  it("plans the grid of other arms, the target and each curve's budgets; an arm's listed budgets stay for its other settings", () => {
    const spec = searched({ settings: ["stl", "mtl"], budgets: [20] }, { settings: ["stl"] });
    const { plan, spec: grown } = searchPlan(spec, ctx, new Map([["inst/stl", [10, "all"]]]));
    const cells = plan.runs.map((r) => `${r.arm}/${r.setting}/${r.budget}/${r.task}`).sort();
    expect(cells).toEqual([
      "B3/stl/100/t1",
      "B3/stl/100/t2",
      "B3/stl/all/t1",
      "B3/stl/all/t2",
      "inst/mtl/20/null",
      "inst/stl/10/t1",
      "inst/stl/10/t2",
      "inst/stl/all/t1",
      "inst/stl/all/t2",
    ]);
    expect(plan.totals.runs).toBe(9);
    // The data build needs every budget the search chose.
    expect(grown.arms[0]!.budgets).toEqual(["20", "10", "all"]);
    // Ids are the grid's: the same budgets planned as a grid give the same runs.
    const grid = planStudy(
      { ...spec, arms: [{ ...spec.arms[0]!, budgets: ["10", "all"] }, spec.arms[1]!] },
      ctx,
    );
    for (const r of plan.runs.filter((x) => x.setting === "stl"))
      expect(grid.runs.map((g) => g.id)).toContain(r.id);
  });

  it("bounds the worst case by max_rounds", () => {
    const spec = searched({ settings: ["stl"] }, { settings: ["stl"], max_rounds: 4 });
    const round0 = searchPlan(spec, ctx, roundZeroBudgets(spec, ctx)).plan;
    // Round 0: B3 at 100 and all, inst at 10 and 100 (two tasks each); then 3 rounds of 2 runs.
    expect(round0.runs).toHaveLength(8);
    const worst = searchWorstCase(spec, ctx);
    expect(worst.runs).toBe(8 + 3 * 2);
    // Passes: round 0's, plus what the dense grid of the searched curve (all: a mean of 1,300) adds to its own.
    const passes = (runs: readonly { train_sample_passes: number }[]) =>
      runs.reduce((n, r) => n + r.train_sample_passes, 0);
    const curve = searchedCurves(spec.search!, ctx.tasks)[0]!;
    const grid = passes(
      searchRuns(spec, ctx, [{ curve, budgets: [10, 20, 50, 100, 200, 500, 1000, "all"] }]),
    );
    const own = passes(searchRuns(spec, ctx, [{ curve, budgets: [10, 100] }]));
    expect(worst.train_sample_passes).toBe(passes(round0.runs) + grid - own);
  });
});
