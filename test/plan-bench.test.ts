import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

describe("quicklearn plan cost from measured engine figures (issue 5)", () => {
  it("uses a bench file's GPU figures; --samples-per-s still wins", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "ql-plan-bench-")), "bench.json");
    const engine = {
      train_samples_per_s: 40,
      mfu: 0.4,
      peak_mem_gb: 70,
      gen_prompts_per_s: 90,
      per_run_overhead_s: 1,
    };
    await writeFile(
      file,
      JSON.stringify({
        device: "cuda: NVIDIA H100 80GB HBM3",
        reference: { ...engine, per_run_overhead_s: undefined },
        engine,
        ratios: { train: 22, gen: 30 },
        meta: { date: "2026-12-01", model: "t5-xl-shape" },
      }),
    );
    const measured = await runCli(["plan", "--preset", "thesis", "--bench", file]);
    expect(measured.code).toBe(0);
    expect(measured.stdout).toMatch(
      /cost: ~[\d.]+ GPU-hours .* at 40 samples\/s per GPU \(measured: t5-xl-shape on NVIDIA H100 80GB HBM3, 2026-12-01; generation at 90 prompts\/s\)/,
    );
    const given = await runCli(["plan", "--preset", "thesis", "--bench", file, "--samples-per-s", "10"]);
    expect(given.stdout).toMatch(/at 10 samples\/s per GPU\n/);
    const cpu = join(await mkdtemp(join(tmpdir(), "ql-plan-bench-")), "cpu.json");
    await writeFile(
      cpu,
      (await import("node:fs")).readFileSync(file, "utf8").replace("cuda: NVIDIA", "cpu: NVIDIA"),
    );
    const refused = await runCli(["plan", "--preset", "thesis", "--bench", cpu]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not a GPU/);
  });
});
