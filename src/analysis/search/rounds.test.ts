import { describe, expect, it } from "vitest";
import type { SearchRecord, StudyStore } from "../../runner/index.js";
import type { PlanContext } from "../../study/plan.js";
import { validateStudy } from "../../study/spec.js";
import { plannedSearch, searchRounds } from "./rounds.js";

const spec = validateStudy(
  {
    name: "s",
    tasks: ["t1", "t2"],
    arms: [
      { name: "inst", model: "org/instruct", encoding: "tk-instruct", settings: ["stl"] },
      { name: "B3", model: "org/base", encoding: "plain", settings: ["stl"], budgets: ["all"] },
    ],
    search: { target: { arm: "B3", setting: "stl", budget: "all" }, arms: ["inst"], settings: ["stl"] },
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

/** A store that has only plan.json's search record: all a resumed search's design reads. */
const storeWith = (search: SearchRecord) => ({ readPlan: async () => ({ search }) }) as unknown as StudyStore;

describe("searchRounds", () => {
  it("a resumed search shows each curve where the record left it, not 'running', until it decides again", async () => {
    const round0 = plannedSearch(spec, ctx).search;
    const stopped: SearchRecord = {
      ...round0,
      curves: round0.curves.map((c) => ({
        ...c,
        state: "converged",
        budget: 42,
        ci: [30, 55],
        reason: "converged: the interval is within +-25 %",
      })),
    };
    const designed = await searchRounds(spec).design(storeWith(stopped), ctx);
    expect(designed.search.curves).toEqual(stopped.curves);
    expect(designed.search.rounds).toEqual(stopped.rounds);

    // A record without this curve's rounds (the search block changed) starts it over at round 0.
    const other = { ...stopped, rounds: stopped.rounds.map((r) => ({ ...r, curve: "other/stl" })) };
    const fresh = await searchRounds(spec).design(storeWith(other), ctx);
    expect(fresh.search.curves.map((c) => [c.state, c.budget])).toEqual([["running", null]]);
  });
});
