import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.js";
import { slurmExecutorFrom } from "./executor.js";
import { slurmOptionsFrom } from "./options.js";

describe("SLURM flags of quicklearn run", () => {
  it("are only accepted with --executor slurm, naming the stray flag", () => {
    expect(slurmOptionsFrom({ executor: "local" })).toBeNull();
    expect(() => slurmOptionsFrom({ executor: "local", arrayParallelism: 4 })).toThrow(
      "--array-parallelism only applies with --executor slurm",
    );
    expect(slurmOptionsFrom({ executor: "slurm", partition: "gpu", gres: "gpu:1" })).toMatchObject({
      partition: "gpu",
      gres: "gpu:1",
    });
  });

  it("refuse the local pool flags with --executor slurm", () => {
    expect(() => slurmExecutorFrom({ executor: "slurm" }, { gpus: [0] })).toThrow(/--gres gpu:N/);
    expect(() => slurmExecutorFrom({ executor: "slurm" }, { maxParallel: 2 })).toThrow(/--array-parallelism/);
    expect(slurmExecutorFrom({ executor: "slurm" }, { cpu: true })?.name).toBe("slurm");
  });

  it("quicklearn cancel on a study without SLURM jobs says so and exits 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-cancel-"));
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["node", "quicklearn", "cancel", dir])).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join("")).toMatch(
        /no SLURM jobs recorded \(no slurm\/jobs\.json\)/,
      );
    } finally {
      err.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("quicklearn run rejects a malformed --time before anything is written", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const code = await main([
        "node",
        "quicklearn",
        "run",
        "--preset",
        "demo",
        "--out",
        join(tmpdir(), "never"),
        "--executor",
        "slurm",
        "--time",
        "4h",
      ]);
      expect(code).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join("")).toMatch(/--time "4h"/);
    } finally {
      err.mockRestore();
    }
  });
});
