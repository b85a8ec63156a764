import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PlannedRun } from "../study/plan.js";
import { GENERATION_COST_FACTOR } from "../study/summary.js";
import { ProgressView } from "./progress.js";
import { formatEta, runWork, type RunWork } from "./progress-eta.js";

/** A stream that keeps what is written; `isTTY` picks the bar or the plain lines. */
function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    columns: 120,
    write(chunk: string | Uint8Array) {
      chunks.push(String(chunk));
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join(""), lines: () => chunks.join("").trim().split("\n") };
}

const trainOnly = (passes: number): RunWork => ({ train: passes, generate: 0 });
const done = { status: "done" } as const;

describe("ProgressView (plain lines)", () => {
  let t = 0;
  const now = () => t;
  beforeEach(() => {
    t = 0;
  });

  function view(work?: Map<string, RunWork>, total = 2) {
    const out = fakeStream(false);
    return { out, view: new ProgressView(total, 0, work, { stream: out.stream, now }) };
  }

  it("weighs the ETA by each run's work: a run of 1 done in 10 s leaves ~990 s for one of 99", () => {
    const { out, view: v } = view(
      new Map([
        ["small", trainOnly(1)],
        ["big", trainOnly(99)],
      ]),
    );
    v.runStarted("small", "w0");
    t = 10_000;
    v.runEnded("small", "w0", done, false);
    const last = out.lines().at(-1)!;
    expect(last).toContain("(1/2 done, ETA 16m 30s)");
  });

  it("says ETA -- while nothing is measured, never LL, NaN or Infinity", () => {
    const { out, view: v } = view(
      new Map([
        ["a", trainOnly(5)],
        ["b", trainOnly(5)],
      ]),
    );
    v.runStarted("a", "w0");
    t = 3_000;
    v.runEnded("a", "w0", { status: "failed", error: "boom", deterministic: false }, true);
    const text = out.text();
    expect(out.lines()[0]).toContain("0/2 runs done at start");
    expect(out.lines().at(-1)).toContain("ETA --");
    expect(text).not.toMatch(/LL|NaN|Infinity/);
  });

  const step = (run: string, phase: string, n: number, of: number) =>
    ({ type: "progress", run_id: run, phase, step: n, total_steps: of }) as const;

  it("measures the rate from the steps of a run in flight, before any run ends", () => {
    const out = fakeStream(false);
    const v = new ProgressView(1, 0, new Map([["big", trainOnly(99)]]), {
      stream: out.stream,
      now,
      logEveryMs: 0,
    });
    v.runStarted("big", "w0");
    t = 2_000;
    v.engineEvent("w0", step("big", "train", 1, 100)); // the engine reports its first step
    t = 20_000;
    expect(out.lines().at(-1)).toContain("(study ETA --)");
    // Steps 2 to 10 of 100: 8.91 of 99 in 20 s, so 89.1 left take 200 s.
    v.engineEvent("w0", step("big", "train", 10, 100));
    expect(out.lines().at(-1)).toContain("(study ETA 3m 20s)");
    // A new attempt starts over: what the interrupted one did no longer counts as done.
    v.runEnded("big", "w0", { status: "interrupted" }, false);
    v.runStarted("big", "w0");
    v.engineEvent("w0", { type: "progress", run_id: "big", phase: "train" });
    expect(out.lines().at(-1)).toContain("(study ETA --)");
  });

  it("counts only this session's steps of a run resumed from a checkpoint", () => {
    const out = fakeStream(false);
    const v = new ProgressView(1, 0, new Map([["big", trainOnly(100)]]), {
      stream: out.stream,
      now,
      logEveryMs: 0,
    });
    v.runStarted("big", "w0");
    t = 10_000;
    // Resumed at step 50: step 51 is this session's first report.
    v.engineEvent("w0", step("big", "train", 51, 100));
    expect(out.lines().at(-1)).toContain("(study ETA --)");
    t = 20_000;
    v.engineEvent("w0", step("big", "train", 61, 100)); // 10 in 20 s, 39 left
    expect(out.lines().at(-1)).toContain("(study ETA 1m 18s)");
    t = 30_000;
    v.runEnded("big", "w0", done, false); // 49 here in 30 s; nothing left
    expect(out.lines().at(-1)).toContain("(1/1 done, ETA 0s)");
  });

  it("prices generation by instances after the run's training", () => {
    const out = fakeStream(false);
    const work = new Map([
      ["pft", { train: 100, generate: 100 }],
      ["next", trainOnly(100)],
    ]);
    const v = new ProgressView(2, 0, work, { stream: out.stream, now, logEveryMs: 0 });
    v.runStarted("pft", "w0");
    t = 10_000;
    v.engineEvent("w0", step("pft", "generate", 50, 100)); // trained, half generated: 150 of 200
    t = 20_000;
    // 25 more instances: 25 of its work in 20 s; 25 left of it and 100 of the next run.
    v.engineEvent("w0", step("pft", "generate", 75, 100));
    expect(out.lines().at(-1)).toContain("(study ETA 1m 40s)");
  });

  it("drops the work of a run given up from what is left", () => {
    const work = new Map([
      ["a", trainOnly(1)],
      ["b", trainOnly(99)],
      ["c", trainOnly(50)],
    ]);
    const { out, view: v } = view(work, 3);
    v.runStarted("a", "w0");
    t = 10_000;
    v.runEnded("a", "w0", done, false);
    expect(out.lines().at(-1)).toContain("ETA 24m 50s"); // 149 left at 0.1 per s
    v.runEnded("c", "w1", { status: "failed", error: "bad spec", deterministic: true }, false);
    expect(out.lines().at(-1)).toContain("ETA 16m 30s"); // 99 left
  });

  it("counts runs when no work is given (a worker without plan volumes)", () => {
    const { out, view: v } = view(undefined, 3);
    v.runStarted("a", "w0");
    t = 10_000;
    v.runEnded("a", "w0", done, false);
    expect(out.lines().at(-1)).toContain("(1/3 done, ETA 20s)");
  });
});

describe("ProgressView (terminal)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("draws ETA -- first, then the work-weighted ETA", () => {
    let t = 0;
    const out = fakeStream(true);
    const v = new ProgressView(
      2,
      0,
      new Map([
        ["small", trainOnly(1)],
        ["big", trainOnly(99)],
      ]),
      {
        stream: out.stream,
        now: () => t,
      },
    );
    vi.advanceTimersByTime(500);
    const first = out.text();
    expect(first).toContain("0/2 | ETA -- | failed 0");
    expect(first).not.toMatch(/LL|NaN|Infinity|\{/);
    v.runStarted("small", "w0");
    t = 10_000;
    v.runEnded("small", "w0", done, false);
    vi.advanceTimersByTime(500);
    v.stop();
    expect(out.text().slice(first.length)).toContain("1/2 | ETA 16m 30s | failed 0");
  });
});

describe("runWork", () => {
  it("adds generation of each evaluated test instance to the training passes", () => {
    const run = { train_sample_passes: 300, eval_tasks: ["t1", "t2"] } as PlannedRun;
    // t2's size is unknown: 100, as the plan's totals count it.
    expect(runWork(run, new Map([["t1", 40]]))).toEqual({
      train: 300,
      generate: 140 * GENERATION_COST_FACTOR,
    });
  });
});

describe("formatEta", () => {
  it("writes seconds, minutes, hours and days; -- for no figure", () => {
    expect([null, Infinity, 42.4, 965, 11_220, 180_000].map(formatEta)).toEqual([
      "--",
      "--",
      "42s",
      "16m 05s",
      "3h 07m",
      "2d 02h",
    ]);
  });
});
