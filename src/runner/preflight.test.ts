import { describe, expect, it } from "vitest";
import type { RunSpecInput } from "../engine/spec.js";
import { diskNeed, formatBytes, PreflightError } from "./preflight.js";

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
