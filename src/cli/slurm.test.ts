import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { gresWithGpus } from "../runner/slurm/executor.js";
import { main } from "./main.js";
import { nextRoundArgs, slurmExecutorFrom, slurmOptionsFrom } from "./slurm.js";

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

  it("--mtl-processes N: the mtl arrays ask for N GPUs (from --gres), none with --cpu, or --mtl-gres", () => {
    expect(gresWithGpus(undefined, 4)).toBe("gpu:4");
    expect(gresWithGpus("gpu:1", 4)).toBe("gpu:4");
    expect(gresWithGpus("gpu:a100:1", 2)).toBe("gpu:a100:2");
    expect(gresWithGpus("gpu", 2)).toBe("gpu:2");
    expect(gresWithGpus("tmpdisk:10,gpu:h100:1", 8)).toBe("tmpdisk:10,gpu:h100:8");
    expect(gresWithGpus("tmpdisk:10", 2)).toBe("tmpdisk:10,gpu:2");
    const opts = (o: object, run: object) =>
      (slurmExecutorFrom({ executor: "slurm", ...o }, run) as unknown as { opts: Record<string, unknown> })
        .opts;
    expect(opts({ gres: "gpu:a100:1" }, { mtlProcesses: 4 })).toMatchObject({
      gres: "gpu:a100:1",
      mtlProcesses: 4,
      mtlParallel: "ddp",
      mtlGres: "gpu:a100:4",
    });
    expect(opts({}, { mtlProcesses: 2, cpu: true }).mtlGres).toBeUndefined();
    expect(
      opts({ mtlGres: "gpu:h100:8", mtlNodes: 2 }, { mtlProcesses: 8, mtlParallel: "fsdp" }),
    ).toMatchObject({ mtlGres: "gpu:h100:8", mtlNodes: 2, mtlParallel: "fsdp" });
    expect(opts({}, {}).mtlProcesses).toBeUndefined();
  });

  it("--mtl-nodes and --mtl-gres need --mtl-processes, and only apply with --executor slurm", () => {
    expect(() => slurmExecutorFrom({ executor: "slurm", mtlNodes: 2 }, {})).toThrow(
      "--mtl-nodes only applies with --mtl-processes N",
    );
    expect(() => slurmExecutorFrom({ executor: "slurm", mtlGres: "gpu:2" }, {})).toThrow(
      "--mtl-gres only applies with --mtl-processes N",
    );
    expect(() => slurmOptionsFrom({ executor: "local", mtlNodes: 2 })).toThrow(
      "--mtl-nodes only applies with --executor slurm",
    );
    expect(() => slurmExecutorFrom({ executor: "slurm", mtlGres: "gpu;x" }, { mtlProcesses: 2 })).toThrow(
      /--mtl-gres "gpu;x"/,
    );
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

  it("a searched study's next round repeats run with the same flags and absolute paths", () => {
    const args = nextRoundArgs("s.yaml", "out/s1", {
      executor: "slurm",
      superni: "data/superni",
      retries: 0,
      cpu: true,
      check: false,
      partition: "gpu",
      gres: "gpu:1",
      arrayParallelism: 4,
      dryRun: true,
    });
    expect(args).toEqual([
      "run",
      join(process.cwd(), "s.yaml"),
      join(process.cwd(), "out/s1"),
      "--superni",
      join(process.cwd(), "data/superni"),
      "--retries",
      "0",
      "--cpu",
      "--no-check",
      "--executor",
      "slurm",
      "--partition",
      "gpu",
      "--gres",
      "gpu:1",
      "--array-parallelism",
      "4",
      "--after-round",
    ]);
    const preset = nextRoundArgs(undefined, "/s", { preset: "demo", retries: 1, check: true });
    expect(preset.slice(0, 4)).toEqual(["run", "--preset", "demo", "/s"]);
  });
});
