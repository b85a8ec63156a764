import { describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import { GpuPool } from "./gpu-pool.js";

describe("GpuPool (--gpus with --mtl-processes N)", () => {
  it("gives an mtl run N GPUs, its worker's first, then the least busy; it starts when their engines stopped", () => {
    const pool = new GpuPool([0, 1, 2, 3], 2);
    for (const g of [0, 1, 2]) pool.engineStarted(g); // GPU 3 has no engine yet
    expect(pool.canTake(1, true)).toBe(true);
    expect(pool.reserve("mtl-a", 1)).toEqual([1, 3]);
    // GPU 1's own worker stops its engine before the run; GPU 3 has none.
    expect(pool.isFree("mtl-a")).toBe(false);
    pool.engineStopped(1);
    expect(pool.isFree("mtl-a")).toBe(true);
    pool.release("mtl-a");
    expect(pool.isReserved(1)).toBe(false);
    expect(pool.isReserved(3)).toBe(false);
  });

  it("keeps single-task runs off reserved GPUs, and the mtl run waits until those finish", () => {
    const pool = new GpuPool([0, 1], 2);
    pool.engineStarted(0);
    pool.engineStarted(1); // an stl run in progress on GPU 1
    expect(pool.reserve("mtl", 0)).toEqual([0, 1]);
    expect(pool.canTake(0, false)).toBe(false);
    expect(pool.canTake(1, false)).toBe(false);
    pool.engineStopped(0);
    expect(pool.isFree("mtl")).toBe(false); // GPU 1's run is still going
    pool.engineStopped(1); // it finished and its worker stopped the engine
    expect(pool.isFree("mtl")).toBe(true);
    pool.release("mtl");
    expect(pool.canTake(1, false)).toBe(true);
  });

  it("takes a second mtl run only where N GPUs are not reserved yet", () => {
    const pool = new GpuPool([0, 1, 2], 2);
    pool.reserve("a", 0);
    expect(pool.canTake(2, true)).toBe(false); // only GPU 2 is left
    expect(pool.canTake(2, false)).toBe(true); // a single-task run may use it
    expect(() => pool.reserve("b", 2)).toThrow(/cannot take/);
    pool.release("a");
    expect(pool.reserve("b", 2)).toEqual([0, 2]);
  });

  it("refuses more processes than GPUs as a user error", () => {
    expect(() => new GpuPool([0, 1], 4)).toThrow(UserError);
    expect(() => new GpuPool([0, 0, 1], 3)).toThrow("--mtl-processes 3 needs 3 GPUs, but --gpus gives 2");
    expect(() => new GpuPool([0, 1], 2)).not.toThrow();
  });
});
