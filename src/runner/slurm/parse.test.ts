import { describe, expect, it } from "vitest";
import { expandIndices, isActive, parseSacct, parseSbatchParsable, parseSqueue } from "./parse.js";

// Outputs captured from slurm-wlm 22.05 (Debian 12) on the one-node test cluster (scripts/slurm-local.sh).
describe("SLURM output parsing", () => {
  it("reads the job id from sbatch --parsable, with or without a cluster name", () => {
    expect(parseSbatchParsable("42\n")).toBe("42");
    expect(parseSbatchParsable("42;cluster1\n")).toBe("42");
    expect(() => parseSbatchParsable("sbatch: error: Batch job submission failed\n")).toThrow(/no job id/);
  });

  it("reads squeue --array lines: array tasks, plain jobs, pending reasons", () => {
    const out = [
      "2|1|PENDING|BeginTime",
      "2|0|CANCELLED|None",
      "2|2|COMPLETED|None",
      "5|N/A|RUNNING|None",
      "",
    ].join("\n");
    expect(parseSqueue(out)).toEqual([
      { job: "2", task: 1, state: "PENDING", detail: "BeginTime" },
      { job: "2", task: 0, state: "CANCELLED", detail: "None" },
      { job: "2", task: 2, state: "COMPLETED", detail: "None" },
      { job: "5", task: null, state: "RUNNING", detail: "None" },
    ]);
  });

  it("reads sacct --parsable2 lines, expanding pending ranges and dropping 'by uid'", () => {
    const out = [
      "7_0|COMPLETED|0:0",
      "7_1|CANCELLED by 0|0:15",
      "7_[2-4%2]|PENDING|0:0",
      "8|FAILED|1:0",
      "8.batch|FAILED|1:0",
    ].join("\n");
    expect(parseSacct(out)).toEqual([
      { job: "7", task: 0, state: "COMPLETED", detail: "0:0" },
      { job: "7", task: 1, state: "CANCELLED", detail: "0:15" },
      { job: "7", task: 2, state: "PENDING", detail: "0:0" },
      { job: "7", task: 3, state: "PENDING", detail: "0:0" },
      { job: "7", task: 4, state: "PENDING", detail: "0:0" },
      { job: "8", task: null, state: "FAILED", detail: "1:0" },
    ]);
  });

  it("expands array index lists", () => {
    expect(expandIndices("3")).toEqual([3]);
    expect(expandIndices("[0-2,5%2]")).toEqual([0, 1, 2, 5]);
    expect(expandIndices("N/A")).toEqual([null]);
    expect(() => expandIndices("x")).toThrow(/unexpected array index/);
  });

  it("tells waiting and running states from finished ones", () => {
    for (const s of ["PENDING", "RUNNING", "REQUEUED", "COMPLETING"]) expect(isActive(s)).toBe(true);
    for (const s of ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "PREEMPTED", "NODE_FAIL"])
      expect(isActive(s)).toBe(false);
  });
});
