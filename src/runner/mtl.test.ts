import { describe, expect, it } from "vitest";
import { workerSlots } from "./slots.js";
import { isMtlSetting, mtlLaunch, mtlOptionsFrom } from "./mtl.js";

describe("mtl runs through torchrun (--mtl-processes)", () => {
  it("are the mtl and prefinetune runs", () => {
    expect(["stl", "mtl", "prefinetune", "eval", undefined].map(isMtlSetting)).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
  });

  it("default to ddp; --mtl-parallel without --mtl-processes is a mistake", () => {
    expect(mtlOptionsFrom({})).toBeNull();
    expect(mtlOptionsFrom({ mtlProcesses: 4 })).toEqual({ processes: 4, parallel: "ddp" });
    expect(mtlOptionsFrom({ mtlProcesses: 2, mtlParallel: "fsdp" })).toEqual({
      processes: 2,
      parallel: "fsdp",
    });
    expect(() => mtlOptionsFrom({ mtlParallel: "fsdp" })).toThrow(
      "--mtl-parallel only applies with --mtl-processes N",
    );
  });

  it("run on their GPUs, or split the worker's CPU threads between the processes", () => {
    const [gpuSlot] = workerSlots({ gpus: [3] });
    expect(mtlLaunch(gpuSlot!, 2, [1, 3])).toEqual({ device: "cuda", env: { CUDA_VISIBLE_DEVICES: "1,3" } });
    const cpuSlot = { name: "cpu0", device: "cpu" as const, env: { QUICKLEARN_TORCH_THREADS: "8" } };
    expect(mtlLaunch(cpuSlot, 2, null).env).toMatchObject({
      QUICKLEARN_TORCH_THREADS: "4",
      OMP_NUM_THREADS: "4",
    });
    expect(mtlLaunch(cpuSlot, 16, null).env.QUICKLEARN_TORCH_THREADS).toBe("1");
    expect(mtlLaunch(cpuSlot, 2, null).device).toBe("cpu");
    const auto = { name: "w0", device: "auto" as const, env: {} };
    expect(mtlLaunch(auto, 4, null)).toEqual({ device: "auto", env: {} });
  });
});
