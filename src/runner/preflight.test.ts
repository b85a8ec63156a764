import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_SUPERNI } from "../demo/study.js";
import type { EngineCheckOptions } from "../engine/check.js";
import type { RunSpecInput } from "../engine/spec.js";
import { parseStudyYaml } from "../study/spec.js";
import { prepareStudy } from "./prepare.js";
import {
  diskNeed,
  type Finding,
  formatBytes,
  formatFinding,
  preflight,
  PreflightError,
} from "./preflight.js";
import { StudyStore } from "./store/index.js";

const spec = (model: string, extra: Partial<RunSpecInput> = {}): RunSpecInput => ({
  run_id: "r",
  model,
  output_dir: "o",
  train: { files: ["t.jsonl"] },
  ...extra,
});

describe("diskNeed", () => {
  const params = new Map([
    ["big", 3e9],
    ["small", 1e6],
  ]);

  it("counts the largest checkpoints that can be in flight at once, twice over, plus saved models", () => {
    const specs = [spec("small"), spec("big"), spec("big"), spec("big", { save_model: true })];
    // AdamW: 12 bytes a parameter, twice while a checkpoint replaces the last; a saved model 4 bytes.
    expect(diskNeed(specs, params, 2)).toEqual({
      bytes: 2 * 24 * 3e9 + 4 * 3e9,
      inFlight: 2,
      savedModels: 1,
    });
    expect(diskNeed(specs, params, 1).bytes).toBe(24 * 3e9 + 4 * 3e9);
  });

  it("counts less for adafactor, nothing for LoRA, runs without checkpoints, evaluations or unknown models", () => {
    expect(
      diskNeed([spec("big", { train: { files: ["t"], optimizer: "adafactor" } })], params, 1).bytes,
    ).toBe(8 * 3e9);
    const none = [
      spec("big", { train: { files: ["t"], lora: {} } }),
      spec("big", { train: { files: ["t"], checkpoints: false } }),
      spec("big", { train: null, eval: { files: ["e"] } }),
      spec("unknown"),
    ];
    expect(diskNeed(none, params, 4)).toEqual({ bytes: 0, inFlight: 1, savedModels: 0 });
  });
});

describe("PreflightError", () => {
  it("says the failed findings on one line, three at most", () => {
    const f = (ok: boolean, message: string) => ({ check: "x", target: "t", ok, message });
    const e = new PreflightError(
      [f(true, "fine"), f(false, "a"), f(false, "b"), f(false, "c"), f(false, "d")],
      "h",
    );
    expect(e.message).toBe("preflight: a; b; c; and 1 more");
    expect(e.exitCode).toBe(2);
    expect(formatBytes(72e9)).toBe("72.0 GB");
  });
});

describe("preflight of a share of the runs (a worker's)", () => {
  const SPEC = `name: share
tasks: [task970_sherliic_causal_relationship, task648_answer_generation]
arms:
  - name: base
    model: org/base
    encoding: plain
    settings: [stl]
    budgets: [5]
  - name: inst
    model: org/inst
    encoding: plain
    settings: [stl]
    budgets: [5]
`;

  it("checks only the models of the runs given, and the data build only when asked", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-preflight-share-"));
    try {
      const store = new StudyStore(dir);
      const study = { spec: parseStudyYaml(SPEC, "share"), text: SPEC, baseDir: dir, source: "share" };
      const prepared = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
      const asked: EngineCheckOptions[] = [];
      // The engine's half is the engine's own (test/preflight.test.ts); here only what it is asked.
      const engineCheck = (o: EngineCheckOptions) => {
        asked.push(o);
        return Promise.resolve([]);
      };
      const inst = prepared.plan.runs.filter((r) => r.arm === "inst").map((r) => r.id);
      const share = await preflight(store, { runs: inst, gpus: [3], inFlight: 1, data: false, engineCheck });
      expect(asked[0]).toMatchObject({ models: ["org/inst"], gpus: [3] });
      expect(share.map((f) => f.check)).toEqual(["disk"]);

      const all = await preflight(store, { inFlight: 1, engineCheck });
      expect(asked[1]!.models.sort()).toEqual(["org/base", "org/inst"]);
      expect(all.map((f) => f.check)).toEqual(["data", "disk"]);
      expect(formatFinding(all[0]!)).toMatch(/^ok {4}data {6}.*: 4 data file\(s\)/);
      // A message that starts with its target says it once.
      const device = { check: "device", target: "--gpus 0", ok: false, message: "--gpus 0: no CUDA" };
      expect(formatFinding(device)).toBe("FAIL  device    --gpus 0: no CUDA");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("preflight of a study with tracking", () => {
  const SPEC = `name: tracked
tasks: [task970_sherliic_causal_relationship]
arms:
  - name: inst
    model: org/inst
    encoding: plain
    settings: [stl]
    budgets: [5]
`;
  // What the engine's check says of a Python without tensorboardX (engine/tests/test_check.py makes it).
  const missing = {
    check: "tracking",
    target: "/v/bin/python",
    ok: false,
    message:
      "/v/bin/python: tensorboardX is not installed, and `tracking: tensorboard` writes with it; install it: " +
      "/v/bin/python -m pip install tensorboardX==2.6.5, or leave tracking out of the study spec",
  };

  async function checkOf(text: string): Promise<{ asked: EngineCheckOptions; findings: Finding[] }> {
    const dir = await mkdtemp(join(tmpdir(), "ql-preflight-tracking-"));
    try {
      const store = new StudyStore(dir);
      const study = { spec: parseStudyYaml(text, "tracked"), text, baseDir: dir, source: "tracked" };
      await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
      const asked: EngineCheckOptions[] = [];
      const engineCheck = (o: EngineCheckOptions) => {
        asked.push(o);
        return Promise.resolve(o.trackers?.length ? [missing] : []);
      };
      const findings = await preflight(store, { inFlight: 1, data: false, engineCheck });
      return { asked: asked[0]!, findings };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("asks the engine for the trackers' packages only when the runs have tracking on", async () => {
    const off = await checkOf(SPEC);
    expect(off.asked.trackers).toEqual([]);
    expect(off.findings.map((f) => f.check)).toEqual(["disk"]);

    const on = await checkOf(`${SPEC}tracking: tensorboard\n`);
    expect(on.asked.trackers).toEqual(["tensorboard"]);
    expect(on.findings.map((f) => f.check)).toEqual(["tracking", "disk"]);
    expect(formatFinding(on.findings[0]!)).toBe(`FAIL  tracking  ${missing.message}`);
    // One failed finding: `run` stops before its first run, exit 2, the package and the pip command named.
    const e = new PreflightError(on.findings, "h");
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`preflight: ${missing.message}`);
  });
});
