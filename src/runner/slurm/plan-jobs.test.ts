import { describe, expect, it } from "vitest";
import { planArrayJobs, type SlurmRunRef } from "./plan-jobs.js";

const run = (id: string, depends_on: string[] = [], model = "m"): SlurmRunRef => ({ id, depends_on, model });

describe("planArrayJobs", () => {
  // The shape of the thesis DAG: a pre-finetune, runs that start from it, and independent runs.
  const dag = [
    run("pft"),
    run("inst-a", [], "tk"),
    run("inst-b", [], "tk"),
    run("b2-a", [], "t5"),
    run("b1-a", ["pft"]),
    run("b1-b", ["pft"]),
    run("b1-mtl", ["pft"]),
  ];

  it("gives a depended-on run its own task and makes dependants wait for exactly that task", () => {
    const jobs = planArrayJobs(dag);
    expect(jobs.map((j) => j.key)).toEqual(["L0", "L1"]);
    expect(jobs[0]!.tasks).toEqual([["pft"], ["inst-a"], ["inst-b"], ["b2-a"]]);
    expect(jobs[0]!.after).toEqual([]);
    expect(jobs[1]!.tasks).toEqual([["b1-a"], ["b1-b"], ["b1-mtl"]]);
    expect(jobs[1]!.after).toEqual([{ job: "L0", task: 0 }]);
  });

  it("packs runs nobody depends on several per task, same model together, providers alone", () => {
    const jobs = planArrayJobs(dag, { runsPerTask: 2 });
    expect(jobs[0]!.tasks).toEqual([["pft"], ["inst-a", "inst-b"], ["b2-a"]]);
    expect(jobs[1]!.tasks).toEqual([["b1-a", "b1-b"], ["b1-mtl"]]);
  });

  it("leaves done runs out and treats a dependency on a done run as met", () => {
    const jobs = planArrayJobs(dag, { done: new Set(["pft", "inst-a"]) });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.after).toEqual([]);
    expect(jobs[0]!.tasks.flat()).toEqual(["inst-b", "b2-a", "b1-a", "b1-b", "b1-mtl"]);
  });

  it("submits nothing when everything is done", () => {
    expect(planArrayJobs(dag, { done: new Set(dag.map((r) => r.id)) })).toEqual([]);
  });

  it("splits a level by the tasks its runs wait for, and deep chains into levels", () => {
    const jobs = planArrayJobs([
      run("p1"),
      run("p2"),
      run("x", ["p1"]),
      run("y", ["p2"]),
      run("z", ["x", "p2"]),
    ]);
    expect(jobs.map((j) => [j.key, j.tasks, j.after])).toEqual([
      ["L0", [["p1"], ["p2"]], []],
      ["L1-a", [["x"]], [{ job: "L0", task: 0 }]],
      ["L1-b", [["y"]], [{ job: "L0", task: 1 }]],
      [
        "L2",
        [["z"]],
        [
          { job: "L0", task: 1 },
          { job: "L1-a", task: 0 },
        ],
      ],
    ]);
  });

  it("splits arrays larger than the cluster allows", () => {
    const many = Array.from({ length: 5 }, (_, i) => run(`r${i}`));
    const jobs = planArrayJobs(many, { maxArraySize: 2 });
    expect(jobs.map((j) => [j.key, j.tasks.length])).toEqual([
      ["L0-1", 2],
      ["L0-2", 2],
      ["L0-3", 1],
    ]);
  });

  it("puts mtl runs into arrays of their own, one per task, first in their level; dependencies cross kinds", () => {
    const mtl = (r: SlurmRunRef) => ({ ...r, mtl: true });
    const jobs = planArrayJobs(
      [
        mtl(run("pft")),
        run("inst-a", [], "tk"),
        mtl(run("inst-mtl", [], "tk")),
        mtl(run("b2-mtl", [], "t5")),
        run("b1-a", ["pft"]),
        mtl(run("b1-mtl", ["pft"])),
      ],
      { runsPerTask: 4 },
    );
    expect(jobs.map((j) => [j.key, j.mtl ?? false, j.tasks, j.after])).toEqual([
      ["L0-mtl", true, [["pft"], ["inst-mtl"], ["b2-mtl"]], []],
      ["L0", false, [["inst-a"]], []],
      ["L1-mtl", true, [["b1-mtl"]], [{ job: "L0-mtl", task: 0 }]],
      ["L1", false, [["b1-a"]], [{ job: "L0-mtl", task: 0 }]],
    ]);
  });

  it("rejects unknown dependencies and cycles with a message naming the run", () => {
    expect(() => planArrayJobs([run("a", ["nope"])])).toThrow(
      /run a depends on nope, which is not in the plan/,
    );
    expect(() => planArrayJobs([run("a", ["b"]), run("b", ["a"])])).toThrow(/dependency cycle through run/);
  });
});
