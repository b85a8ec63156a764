/** `quicklearn train --spec FILE --nproc N`: one run trained by N torchrun processes (gloo on the CPU). */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeColourRows } from "./helpers/rows.js";
import { makeTinyModel, torchrunArgs } from "../src/engine/index.js";
import { runCli } from "./helpers/cli.js";

let dir: string;
let model: string;
let data: string;
const saved = process.env.QUICKLEARN_TORCH_THREADS;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-ddp-cli-"));
  process.env.QUICKLEARN_TORCH_THREADS = "1";
  data = await writeColourRows(join(dir, "data", "train.jsonl"), 7);
  model = join(dir, "t5");
  await makeTinyModel({ arch: "t5", out: model, corpus: join(dir, "data"), vocabSize: 200 });
}, 120_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.QUICKLEARN_TORCH_THREADS;
  else process.env.QUICKLEARN_TORCH_THREADS = saved;
  await rm(dir, { recursive: true, force: true });
});

describe("quicklearn train --nproc", () => {
  it("builds the venv's torchrun command line", () => {
    expect(torchrunArgs("s.json", 4, "cuda")).toEqual([
      "-m",
      "torch.distributed.run",
      "--standalone",
      "--nproc_per_node=4",
      "-m",
      "quicklearn_engine.launch",
      "--spec",
      "s.json",
      "--device",
      "cuda",
    ]);
  });

  it("trains and evaluates one run with 2 processes, rank 0 writing the outputs", async () => {
    const specFile = join(dir, "spec.json");
    const spec = {
      run_id: "ddp-run",
      model,
      output_dir: join(dir, "out"),
      train: { files: [data], epochs: 2, effective_batch_size: 3, learning_rate: 1e-3 },
      eval: { files: [data], max_new_tokens: 4 },
    };
    await writeFile(specFile, JSON.stringify(spec));
    const run = await runCli(["train", "--spec", specFile, "--nproc", "2", "--device", "cpu", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.run_id).toBe("ddp-run");
    expect(result.stats.distributed).toMatchObject({ world_size: 2, backend: "gloo", parallel: "ddp" });
    expect(result.stats.train.steps).toBe(6); // ceil(7 / 3) × 2 epochs: the global batch, not per process
    expect(readFileSync(result.outputs.train_log, "utf8").trim().split("\n")).toHaveLength(6);
    const predictions = readFileSync(result.outputs.predictions, "utf8").trim().split("\n");
    expect(predictions.map((l) => JSON.parse(l).id)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `c-${i}`));
    expect(run.stderr).toContain("train");
  }, 180_000);

  it("rejects a bad --nproc and reports a missing model as a one-line error", async () => {
    const specFile = join(dir, "missing.json");
    const spec = {
      run_id: "m",
      model: join(dir, "nope"),
      output_dir: join(dir, "o"),
      eval: { files: [data] },
    };
    await writeFile(specFile, JSON.stringify(spec));
    const bad = await runCli(["train", "--spec", specFile, "--nproc", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--nproc 0: expected a whole number/);
    const missing = await runCli(["train", "--spec", specFile, "--nproc", "2", "--device", "cpu", "--json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model: model folder .*nope.* does not exist/);
    expect(missing.stdout).toBe("");
  }, 180_000);
});
