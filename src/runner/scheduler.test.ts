import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunSpecInput } from "../engine/spec.js";
import { parseStudyYaml } from "../study/spec.js";
import { readJsonl } from "../util/jsonl.js";
import { executeRun, type EngineWorkerLike } from "./execute.js";
import { readOwner, type LockOwner } from "./lock.js";
import { LocalExecutor } from "./local.js";
import { workerSlots } from "./slots.js";
import { executionRuns, prepareStudy } from "./prepare.js";
import { DagScheduler, type SchedRun } from "./scheduler.js";
import { runWorker } from "./worker.js";
import { StudyStore } from "./store/index.js";
import { DEMO_SUPERNI } from "../demo/study.js";

// Scheduler unit tests: a fake engine is allowed here (and only here); end-to-end tests use the real one.

describe("DagScheduler", () => {
  const runs: SchedRun[] = [
    { id: "s1", depends_on: [], group: "A" },
    { id: "s2", depends_on: [], group: "B" },
    { id: "s3", depends_on: [], group: "A" },
    { id: "p", depends_on: [], group: "A" },
    { id: "b1", depends_on: ["p"], group: "P" },
    { id: "b2", depends_on: ["p"], group: "P" },
  ];

  it("runs what others depend on first, then keeps a worker on its model group", () => {
    const s = new DagScheduler(runs, [], 0);
    expect(s.next(null)!.id).toBe("p");
    // p is running: b1/b2 wait. A second worker with no group prefers a group nobody is on (B).
    expect(s.next(null)!.id).toBe("s2");
    s.finish("p", "done");
    // The first worker (last group A) now has P ready too, but stays on A.
    expect(s.next("A")!.id).toBe("s1");
    // The second worker's group B has nothing ready: it takes group P (nobody on it) before A (worker 1's).
    expect(s.next("B")!.id).toBe("b1");
    s.finish("s2", "done");
    expect(s.next("P")!.id).toBe("b2");
    expect(s.next("A")!.id).toBe("s3");
    expect(s.next("A")).toBeNull();
    expect(s.finished).toBe(false);
    for (const id of ["s1", "s3", "b1", "b2"]) s.finish(id, "done");
    expect(s.finished).toBe(true);
    expect(s.counts().done).toBe(6);
  });

  it("retries a failed run, then fails it for good and blocks its dependents, and goes on", () => {
    const s = new DagScheduler(runs, ["s1", "s2", "s3"], 1);
    expect(s.next(null)!.id).toBe("p");
    expect(s.isLastAttempt("p")).toBe(false);
    expect(s.finish("p", "failed", "boom")).toBe("waiting");
    expect(s.next(null)!.id).toBe("p");
    expect(s.isLastAttempt("p")).toBe(true);
    expect(s.finish("p", "failed", "boom again")).toBe("failed");
    expect(s.next(null)).toBeNull();
    expect(s.finished).toBe(true);
    expect(s.failed()).toEqual([{ id: "p", error: "boom again" }]);
    expect(s.statusOf("b1")).toBe("blocked");
  });

  it("fails a deterministic failure at once, however many retries are left (issue 18)", () => {
    const s = new DagScheduler(runs, ["s1", "s2", "s3"], 5);
    expect(s.next(null)!.id).toBe("p");
    expect(s.finish("p", "failed", "bad_spec: nope", true)).toBe("failed");
    expect(s.statusOf("b1")).toBe("blocked");
    expect(s.failed()).toEqual([{ id: "p", error: "bad_spec: nope" }]);
    expect(s.finished).toBe(true);
  });

  it("skips runs already done", () => {
    const s = new DagScheduler(runs, ["p", "s1", "s2", "s3"], 0);
    expect(new Set([s.next(null)!.id, s.next(null)!.id])).toEqual(new Set(["b1", "b2"]));
  });
});

/** What one test's stand-in engines share: the runs they executed and the failures still to inject. */
class FakeEngines {
  log: { worker: number; run: string; model: string }[] = [];
  failures = new Map<string, number>();
  /** The error code of a run's injected failures (default "internal", which is retried). */
  codes = new Map<string, string>();
  started = 0;
}

/** A stand-in engine: predicts each instance's first reference, fails chosen runs a number of times. */
class FakeEngine implements EngineWorkerLike {
  readonly n: number;
  constructor(private readonly all: FakeEngines = new FakeEngines()) {
    this.n = all.started++;
  }

  async run(spec: RunSpecInput): Promise<unknown> {
    this.all.log.push({ worker: this.n, run: spec.run_id, model: `${spec.model}|${spec.init_from ?? ""}` });
    const left = this.all.failures.get(spec.run_id) ?? 0;
    if (left > 0) {
      this.all.failures.set(spec.run_id, left - 1);
      throw Object.assign(new Error("fake failure"), { code: this.all.codes.get(spec.run_id) ?? "internal" });
    }
    if (spec.init_from) await readFile(join(spec.init_from, "weights.bin"));
    await mkdir(spec.output_dir, { recursive: true });
    if (spec.eval) {
      let out = "";
      for (const f of spec.eval.files) {
        for await (const { value } of readJsonl(f)) {
          const r = value as { id: string; task: string; references: string[] };
          out += JSON.stringify({ id: r.id, task: r.task, prediction: r.references[0] }) + "\n";
        }
      }
      await writeFile(join(spec.output_dir, "predictions.jsonl"), out);
    }
    if (spec.save_model) {
      await mkdir(join(spec.output_dir, "model"), { recursive: true });
      await writeFile(join(spec.output_dir, "model", "weights.bin"), "w");
    }
    await writeFile(join(spec.output_dir, "stats.json"), "{}");
    return {};
  }
  async shutdown(): Promise<void> {}
  kill(): void {}
}

const SPEC = `name: fake
tasks: [task1157_bard_analogical_reasoning_rooms_for_containers, task970_sherliic_causal_relationship, task648_answer_generation]
prefinetune: {per_task: 5, tasks: [task1314_country_abbreviation]}
arms:
  - name: p
    model: org/base
    encoding: plain
    settings: [prefinetune]
  - name: b1
    from: p
    encoding: plain
    settings: [stl, mtl]
    budgets: [5]
  - name: inst
    model: org/inst
    encoding: thesis-def-pos
    settings: [stl, eval]
    budgets: [5, 10]
`;

describe("LocalExecutor with a fake engine", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("executes the DAG on two workers: dependencies first, groups kept, retries, failures recorded", async () => {
    const engines = new FakeEngines();
    const dir = await mkdtemp(join(tmpdir(), "ql-sched-"));
    dirs.push(dir);
    const store = new StudyStore(dir);
    const study = { spec: parseStudyYaml(SPEC, "fake"), text: SPEC, baseDir: dir, source: "fake" };
    const prepared = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
    const runs = prepared.plan.runs;
    expect(runs).toHaveLength(1 + 4 + 7);
    const mtl = runs.find((r) => r.setting === "mtl")!;
    const flaky = runs.find((r) => r.arm === "inst" && r.budget === "10")!;
    engines.failures.set(mtl.id, 5); // fails for good
    engines.failures.set(flaky.id, 1); // succeeds on its retry

    const executor = new LocalExecutor(
      workerSlots({ cpu: true, maxParallel: 2 }),
      async () => new FakeEngine(engines),
    );
    const summary = await executor.execute({
      store,
      runs: executionRuns(prepared.plan),
      done: prepared.done,
      retries: 1,
    });
    expect(summary.failed.map((f) => f.id)).toEqual([mtl.id]);
    expect(summary.done).toBe(runs.length - 1);
    const status = await store.summary();
    expect(status).toMatchObject({ total: 12, done: 11, failed: 1, running: 0, pending: 0 });
    expect(status.failures[0]!.error).toContain("fake failure");

    // The pre-finetune ran before everything that starts from it.
    const order = engines.log.map((l) => l.run);
    const pft = runs.find((r) => r.setting === "prefinetune")!.id;
    for (const r of runs.filter((r) => r.depends_on.length > 0))
      expect(order.indexOf(r.id)).toBeGreaterThan(order.indexOf(pft));

    // Scores were written and the state records their hashes.
    const state = JSON.parse(await readFile(join(store.runDir(flaky.id), "state.json"), "utf8"));
    expect(state.status).toBe("done");
    expect(state.attempts).toBe(2);
    expect(Object.keys(state.hashes)).toEqual(
      expect.arrayContaining(["predictions.jsonl", "scores.json", "instance_scores.jsonl", "stats.json"]),
    );
    const scores = JSON.parse(await readFile(join(store.runDir(flaky.id), "scores.json"), "utf8"));
    expect(scores.overall.rougeL).toBe(100);

    // Running again repeats nothing done; a corrupted done run runs again.
    engines.log = [];
    await writeFile(join(store.runDir(flaky.id), "predictions.jsonl"), "tampered\n");
    const again = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
    expect(again.done.has(flaky.id)).toBe(false);
    expect(again.done.size).toBe(10);
    engines.failures.set(mtl.id, 0);
    const second = await new LocalExecutor(
      workerSlots({ cpu: true }),
      async () => new FakeEngine(engines),
    ).execute({
      store,
      runs: executionRuns(again.plan),
      done: again.done,
      retries: 0,
    });
    expect(second.failed).toEqual([]);
    expect(engines.log.map((l) => l.run).sort()).toEqual([flaky.id, mtl.id].sort());
    expect((await store.summary()).done).toBe(12);
  });
});

describe("deterministic failures are not retried (issue 18)", () => {
  it("LocalExecutor and runWorker fail a bad_spec once, and retry a worker that died", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-deterministic-"));
    try {
      const store = new StudyStore(dir);
      const study = { spec: parseStudyYaml(SPEC, "fake"), text: SPEC, baseDir: dir, source: "fake" };
      const prepared = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
      const stl = prepared.plan.runs.filter((r) => r.arm === "inst" && r.setting === "stl");
      const [bad, dying, model] = [stl[0]!.id, stl[1]!.id, stl[2]!.id];
      const engines = new FakeEngines();
      engines.failures.set(bad, 10);
      engines.codes.set(bad, "bad_spec");
      engines.failures.set(dying, 1);
      engines.codes.set(dying, "worker_exited");
      engines.failures.set(model, 10);
      engines.codes.set(model, "model_not_found");
      const summary = await new LocalExecutor(
        workerSlots({ cpu: true }),
        async () => new FakeEngine(engines),
      ).execute({ store, runs: executionRuns(prepared.plan), done: prepared.done, retries: 3 });
      const attempts = (id: string) => engines.log.filter((l) => l.run === id).length;
      expect([attempts(bad), attempts(model), attempts(dying)]).toEqual([1, 1, 2]);
      expect(summary.failed.map((f) => f.id).sort()).toEqual([bad, model].sort());
      expect(await store.readState(bad)).toMatchObject({ status: "failed", attempts: 1 });
      expect((await store.readState(bad)).error).toMatch(/^bad_spec: fake failure/);
      expect(await store.readState(dying)).toMatchObject({ status: "done", attempts: 2 });

      // The SLURM array worker's loop: the same rule.
      engines.log = [];
      engines.failures.set(bad, 10);
      const worker = await runWorker(dir, [bad], {
        slot: workerSlots({ cpu: true })[0]!,
        retries: 3,
        startEngine: async () => new FakeEngine(engines),
      });
      expect(worker.failed.map((f) => f.id)).toEqual([bad]);
      expect(attempts(bad)).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * --gpus with --mtl-processes: fake one-process engines and a fake torchrun that record which GPUs they use.
 * Every engine that lives on a GPU while an mtl run holds it, or an mtl run starting beside a live engine,
 * is a violation.
 */
describe("LocalExecutor with --mtl-processes on GPUs (fake engines)", () => {
  it("gives each mtl run N GPUs of its own and keeps single-task runs off them", async () => {
    // Per-test state of the stand-in engines: nothing is shared with other tests.
    const live = new Map<number, number>(); // GPU -> one-process engines alive on it
    const busy = new Set<number>(); // GPUs an mtl run is training on
    const violations: string[] = [];
    const torchruns: { run: string; nproc: number; device: string; gpus: string; parallel?: string }[] = [];
    const oneProcessRuns: string[] = [];
    const yieldSome = () => new Promise((r) => setTimeout(r, 2));

    const startEngine = async ({ env }: { env: Record<string, string> }): Promise<EngineWorkerLike> => {
      const gpu = Number(env.CUDA_VISIBLE_DEVICES);
      if (busy.has(gpu)) violations.push(`an engine started on GPU ${gpu} during an mtl run`);
      live.set(gpu, (live.get(gpu) ?? 0) + 1);
      let alive = true;
      const end = () => {
        if (alive) live.set(gpu, live.get(gpu)! - 1);
        alive = false;
      };
      const fake = new FakeEngine();
      return {
        run: async (spec) => {
          if (busy.has(gpu)) violations.push(`${spec.run_id} ran on GPU ${gpu} during an mtl run`);
          oneProcessRuns.push(spec.run_id);
          await yieldSome();
          return fake.run(spec);
        },
        shutdown: async () => end(),
        kill: end,
      };
    };

    const dir = await mkdtemp(join(tmpdir(), "ql-mtl-gpus-"));
    try {
      const store = new StudyStore(dir);
      const study = { spec: parseStudyYaml(SPEC, "fake"), text: SPEC, baseDir: dir, source: "fake" };
      const prepared = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
      const big = prepared.plan.runs.filter((r) => r.setting === "mtl" || r.setting === "prefinetune");
      expect(big).toHaveLength(2);
      const executor = new LocalExecutor(workerSlots({ gpus: [0, 1, 2] }), startEngine, {
        options: { processes: 2, parallel: "fsdp" },
        gpus: [0, 1, 2],
        start: ({ nproc, device, env }) => ({
          run: async (spec) => {
            const gpus = env.CUDA_VISIBLE_DEVICES!.split(",").map(Number);
            for (const g of gpus) {
              if ((live.get(g) ?? 0) > 0)
                violations.push(`${spec.run_id} started beside an engine on GPU ${g}`);
              busy.add(g);
            }
            torchruns.push({
              run: spec.run_id,
              nproc,
              device,
              gpus: env.CUDA_VISIBLE_DEVICES!,
              parallel: spec.train?.parallel,
            });
            await yieldSome();
            await new FakeEngine().run(spec);
            for (const g of gpus) busy.delete(g);
            return {};
          },
          shutdown: async () => {},
          kill: () => {},
        }),
      });
      const summary = await executor.execute({
        store,
        runs: executionRuns(prepared.plan),
        done: prepared.done,
        retries: 0,
      });
      expect(summary.failed).toEqual([]);
      expect((await store.summary()).done).toBe(prepared.plan.runs.length);
      expect(violations).toEqual([]);
      expect(torchruns.map((t) => t.run).sort()).toEqual(big.map((r) => r.id).sort());
      for (const t of torchruns) {
        expect(t).toMatchObject({ nproc: 2, device: "cuda", parallel: "fsdp" });
        expect(new Set(t.gpus.split(",")).size).toBe(2);
      }
      expect(oneProcessRuns.filter((id) => big.some((r) => r.id === id))).toEqual([]);
      expect([...live.values()].every((n) => n === 0)).toBe(true);
      // train.parallel is an execution choice: the stored spec does not change.
      const stored = JSON.parse(await readFile(join(store.runDir(big[0]!.id), "spec.json"), "utf8"));
      expect(stored.train.parallel).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses more mtl processes than GPUs given, before running anything", () => {
    const start = () => {
      throw new Error("not reached");
    };
    expect(
      () =>
        new LocalExecutor(workerSlots({ gpus: [0] }), async () => new FakeEngine(), {
          options: { processes: 2, parallel: "ddp" },
          gpus: [0],
          start,
        }),
    ).toThrow("--mtl-processes 2 needs 2 GPUs, but --gpus gives 1");
  });
});

describe("runWorker with --mtl-processes (fake engines)", () => {
  it("trains mtl and prefinetune runs through torchrun, after stopping its engine worker", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-mtl-worker-"));
    try {
      const store = new StudyStore(dir);
      const study = { spec: parseStudyYaml(SPEC, "fake"), text: SPEC, baseDir: dir, source: "fake" };
      const prepared = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
      const log: string[] = [];
      const startEngine = async (): Promise<EngineWorkerLike> => {
        log.push("engine start");
        const fake = new FakeEngine();
        return {
          run: async (spec) => (log.push(`engine ${spec.run_id}`), fake.run(spec)),
          shutdown: async () => void log.push("engine shutdown"),
          kill: () => log.push("engine kill"),
        };
      };
      const summary = await runWorker(dir, await store.planRunIds(), {
        slot: workerSlots({ cpu: true })[0]!,
        retries: 0,
        startEngine,
        mtl: {
          options: { processes: 2, parallel: "ddp" },
          start: ({ nproc, device, env }) => ({
            run: async (spec) => {
              log.push(`torchrun ${spec.run_id} nproc=${nproc} ${device} parallel=${spec.train?.parallel}`);
              expect(Number(env.QUICKLEARN_TORCH_THREADS)).toBeGreaterThanOrEqual(1);
              return new FakeEngine().run(spec);
            },
            shutdown: async () => {},
            kill: () => {},
          }),
        },
      });
      expect(summary.failed).toEqual([]);
      expect(summary.done).toHaveLength(prepared.plan.runs.length);
      const big = prepared.plan.runs.filter((r) => r.setting === "mtl" || r.setting === "prefinetune");
      for (const r of prepared.plan.runs) {
        const viaTorchrun = log.some((l) => l.startsWith(`torchrun ${r.id} nproc=2 cpu parallel=ddp`));
        expect(viaTorchrun, r.id).toBe(big.includes(r));
        expect(log.includes(`engine ${r.id}`), r.id).toBe(!big.includes(r));
      }
      // No engine worker is alive while torchrun trains.
      let alive = false;
      for (const l of log) {
        if (l === "engine start") alive = true;
        if (l === "engine shutdown" || l === "engine kill") alive = false;
        if (l.startsWith("torchrun")) expect(alive, l).toBe(false);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("executeRun", () => {
  it("records the engine's pid in the run's claim, and torchrun's once it reports (issue 18)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-claim-pids-"));
    try {
      const store = new StudyStore(dir);
      const study = { spec: parseStudyYaml(SPEC, "fake"), text: SPEC, baseDir: dir, source: "fake" };
      const prepared = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
      const id = prepared.plan.runs.find((r) => r.setting === "stl" && r.depends_on.length === 0)!.id;
      const seen: unknown[] = [];
      let pid: number | undefined = 7001;
      const fake = new FakeEngine();
      const worker: EngineWorkerLike = {
        get pid() {
          return pid;
        },
        run: async (spec, onEvent) => {
          seen.push((await readOwner(store.claimPath(id))) as LockOwner);
          pid = 7002; // a torchrun started by this run
          onEvent?.({ type: "log", message: "started" });
          for (let i = 0; i < 50 && !(JSON.stringify(seen.at(-1)) ?? "").includes("7002"); i++) {
            await new Promise((r) => setTimeout(r, 10));
            seen.push(await readOwner(store.claimPath(id)));
          }
          return fake.run(spec);
        },
        shutdown: async () => {},
        kill: () => {},
      };
      expect(await executeRun(store, id, worker, { device: "cpu" })).toEqual({ status: "done" });
      expect(seen[0]).toMatchObject({ pid: process.pid, pids: [7001] });
      expect(seen.at(-1)).toMatchObject({ pids: [7002] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("leaves a run pending when its engine was interrupted by a signal before we heard of the stop", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-interrupted-"));
    try {
      const store = new StudyStore(dir);
      const study = { spec: parseStudyYaml(SPEC, "fake"), text: SPEC, baseDir: dir, source: "fake" };
      const prepared = await prepareStudy(store, study, { superni: DEMO_SUPERNI, preset: null });
      const id = prepared.plan.runs.find((r) => r.setting === "stl" && r.depends_on.length === 0)!.id;
      const failing = (code: string): EngineWorkerLike => ({
        run: async () => {
          throw Object.assign(new Error("run interrupted (SIGINT/SIGTERM)"), { code });
        },
        shutdown: async () => {},
        kill: () => {},
      });
      const opts = { device: "cpu" as const, stopping: () => false, finalAttempt: true };
      expect(await executeRun(store, id, failing("interrupted"), opts)).toEqual({ status: "interrupted" });
      expect((await store.readState(id)).status).toBe("pending");
      expect((await executeRun(store, id, failing("internal"), opts)).status).toBe("failed");
      expect((await store.readState(id)).status).toBe("failed");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
