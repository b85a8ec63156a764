import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // End-to-end tests spawn the real Python engine on CPU; on a loaded 2-core CI machine they can take
    // minutes, so the limit is a hang detector, not a speed check (speed lives in the benchmarks).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Two test files run at once: each engine worker they start gets one torch thread, since
    // oversubscribed threads slow tiny models down by an order of magnitude.
    env: { QUICKLEARN_TORCH_THREADS: "1", OMP_NUM_THREADS: "1" },
    pool: "forks",
    poolOptions: { forks: { maxForks: 2 } },
  },
});
