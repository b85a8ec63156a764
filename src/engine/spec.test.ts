import { describe, expect, it } from "vitest";
import { RunSpec } from "./spec.js";

const base = { run_id: "r", model: "m", output_dir: "out", train: { files: ["t.jsonl"] } };

describe("RunSpec", () => {
  it("fills the thesis recipe and the kernel/parallel defaults", () => {
    const spec = RunSpec.parse(base);
    expect(spec.train).toMatchObject({ learning_rate: 5e-5, effective_batch_size: 12, parallel: "ddp" });
    expect(spec.attention).toBe("sdpa");
  });

  it("rejects fsdp with lora, naming train.parallel", () => {
    const r = RunSpec.safeParse({ ...base, train: { ...base.train, parallel: "fsdp", lora: {} } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(["train", "parallel"]);
    expect(RunSpec.safeParse({ ...base, train: { ...base.train, parallel: "fsdp" } }).success).toBe(true);
  });
});
