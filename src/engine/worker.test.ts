/** The TypeScript driver against the real Python worker (tiny models, CPU). */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError, EngineWorker, makeTinyModel, type EngineEvent, type RunSpecInput } from "./index.js";

const ENV = { QUICKLEARN_TORCH_THREADS: "1" };
const WORDS = "apple river stone cloud maple tiger piano ocean silver candle".split(" ");

let dir: string;
let model: string;
let data: string;
let worker: EngineWorker;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-engine-"));
  data = join(dir, "data", "train.jsonl");
  await mkdir(join(dir, "data"));
  const rows = WORDS.map((w, i) => ({
    id: `toy-${i}`,
    task: i % 2 ? "toy_a" : "toy_b",
    category: "Toy",
    source: `Definition: say the word for the number.\ninput: number ${i}\noutput: `,
    target: w,
    references: [w],
  }));
  await writeFile(data, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  model = join(dir, "llama");
  const made = await makeTinyModel({ arch: "llama", out: model, corpus: join(dir, "data"), vocabSize: 300 });
  expect(made.arch).toBe("llama");
  worker = await EngineWorker.start({ device: "cpu", env: ENV });
});

afterAll(async () => {
  await worker?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

function spec(out: string, extra: Partial<RunSpecInput> = {}): RunSpecInput {
  return {
    run_id: out,
    model,
    output_dir: join(dir, out),
    train: { files: [data], epochs: 3, learning_rate: 3e-3, effective_batch_size: 5 },
    eval: { files: [data], max_new_tokens: 6 },
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

describe("EngineWorker", () => {
  it("reports ready with versions", () => {
    expect(worker.ready.versions.torch).toMatch(/^2\./);
    expect(worker.ready.cuda_available).toBe(false);
  });

  it("trains and generates, with progress events, and reuses the model for the next run", async () => {
    const events: EngineEvent[] = [];
    const result = await worker.run(spec("run1"), (e) => events.push(e));
    expect(result.run_id).toBe("run1");
    const preds = readFileSync(result.outputs.predictions!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(preds.map((p) => p.id)).toEqual(WORDS.map((_, i) => `toy-${i}`));
    expect(Object.keys(preds[0]).sort()).toEqual(["id", "prediction", "task"]);
    expect(readFileSync(result.outputs.train_log!, "utf8").trim().split("\n")).toHaveLength(6);
    const train = events.find((e) => e.type === "progress" && e.phase === "train");
    expect(train).toMatchObject({ run_id: "run1", total_steps: 6 });
    expect(train).toHaveProperty("loss");
    expect(train).toHaveProperty("eta_s");
    expect(events.some((e) => e.type === "progress" && e.phase === "generate")).toBe(true);

    const evalOnly = await worker.run(spec("run2", { train: null }));
    expect(evalOnly.stats.model_reused).toBe(true);
    expect(evalOnly.outputs.train_log).toBeUndefined();
    const timings = evalOnly.stats.timings as Record<string, number>;
    expect(timings.load_model_s).toBe(0);
    expect(timings.restore_s).toBeGreaterThan(0);
  });

  it("rejects a bad spec before the worker sees it, naming the field", async () => {
    const e = await failure(worker.run({ ...spec("bad"), train: { files: [data], learning_rate: -1 } }));
    expect(e.code).toBe("bad_spec");
    expect(e.userFault).toBe(true);
    expect(e.message).toContain("train.learning_rate");
  });

  it("gives clear errors for a missing model folder and an unknown architecture, and keeps serving", async () => {
    const missing = await failure(worker.run(spec("m", { model: join(dir, "no-such-model") })));
    expect(missing.code).toBe("model_not_found");
    expect(missing.message).toContain("no-such-model");
    const odd = join(dir, "odd");
    await mkdir(odd);
    await writeFile(join(odd, "config.json"), JSON.stringify({ model_type: "florp" }));
    const unknown = await failure(worker.run(spec("u", { model: odd })));
    expect(unknown.code).toBe("unknown_architecture");
    expect(worker.alive).toBe(true);
    const ok = await worker.run(spec("after-errors", { train: null }));
    expect(ok.run_id).toBe("after-errors");
  });

  it("says CUDA is missing rather than running on the CPU", async () => {
    const w = await EngineWorker.start({ env: { ...ENV, CUDA_VISIBLE_DEVICES: "" } });
    try {
      const e = await failure(w.run(spec("cuda", { device: "cuda" })));
      expect(e.code).toBe("cuda_unavailable");
      expect(e.message).toMatch(/no CUDA GPU/);
      expect(existsSync(join(dir, "cuda", "predictions.jsonl"))).toBe(false);
    } finally {
      await w.shutdown();
    }
  });

  it("stops a run at its timeout without leaving predictions, and a killed worker rejects its run", async () => {
    const w = await EngineWorker.start({ device: "cpu", env: ENV });
    const long = spec("slow", { train: { files: [data], epochs: 2000, effective_batch_size: 5, checkpoints: false } });
    const timedOut = await failure(w.run(long, undefined, { timeoutMs: 1500 }));
    expect(timedOut.code).toBe("timeout");
    expect(existsSync(join(dir, "slow", "predictions.jsonl"))).toBe(false);
    expect(w.alive).toBe(false);

    const w2 = await EngineWorker.start({ device: "cpu", env: ENV });
    const run = w2.run(spec("killed", { train: long.train }), (e) => {
      if (e.type === "progress") w2.kill();
    });
    const killed = await failure(run);
    expect(killed.code).toBe("worker_exited");
    expect(existsSync(join(dir, "killed", "predictions.jsonl"))).toBe(false);
  });
});
