import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectGpus } from "./gpus.js";

/** A PATH whose only nvidia-smi prints `output` (or fails). */
function fakeNvidiaSmi(output: string, exitCode = 0): string {
  const dir = mkdtempSync(join(tmpdir(), "ql-nvsmi-"));
  const file = join(dir, "nvidia-smi");
  writeFileSync(file, `#!/bin/sh\nprintf '${output}'\nexit ${exitCode}\n`);
  chmodSync(file, 0o755);
  return dir;
}

describe("detectGpus", () => {
  it("lists nvidia-smi's GPUs", () => {
    expect(detectGpus({ PATH: fakeNvidiaSmi("0\\n1\\n2\\n3\\n") })).toEqual([0, 1, 2, 3]);
  });

  it("finds none without nvidia-smi or when it fails (no driver)", () => {
    expect(detectGpus({ PATH: mkdtempSync(join(tmpdir(), "ql-empty-")) })).toEqual([]);
    expect(detectGpus({ PATH: fakeNvidiaSmi("NVIDIA-SMI has failed\\n", 9) })).toEqual([]);
  });

  it("follows CUDA_VISIBLE_DEVICES when it is set, without asking nvidia-smi", () => {
    const path = fakeNvidiaSmi("0\\n1\\n2\\n3\\n");
    expect(detectGpus({ PATH: path, CUDA_VISIBLE_DEVICES: "2,3" })).toEqual([2, 3]);
    expect(detectGpus({ PATH: path, CUDA_VISIBLE_DEVICES: "" })).toEqual([]);
    expect(detectGpus({ PATH: path, CUDA_VISIBLE_DEVICES: "GPU-8f1c,GPU-77aa" })).toBeNull();
  });
});
