import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../src/engine/index.js";
import {
  detectGpus,
  prepareStudy,
  runWorker,
  StudyStore,
  workerSlots,
  type PreflightError,
  type WorkerSlot,
} from "../src/runner/index.js";
import { loadStudyFile } from "../src/study/spec.js";
import { venvPython } from "../src/util/paths.js";
import { runCli } from "./helpers/cli.js";
import { DEMO_SUPERNI as SUPERNI } from "./helpers/superni.js";
import { tinyStudyYaml } from "./helpers/tiny-study.js";

/**
 * The preflight (`quicklearn check`, and `run` before its first run) with the real engine's check on a
 * tiny local T5: what would fail every run the same way is found before any run starts, named by file.
 */

const haveEngine = existsSync(venvPython());

const spec = (model: string) =>
  tinyStudyYaml(
    "preflight",
    `arms:
  - name: inst
    model: ${model}
    encoding: plain
    settings: [stl]
    budgets: [4]
`,
  );

describe.skipIf(!haveEngine)("preflight (real engine check, tiny model)", () => {
  let root: string;
  let specPath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-preflight-"));
    await makeTinyModel({ arch: "t5", out: join(root, "base"), corpus: SUPERNI, vocabSize: 300 });
    specPath = join(root, "study.yaml");
    await writeFile(specPath, spec(join(root, "base")));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("run --gpus on a machine without those GPUs stops in the preflight: exit 2, no run, nothing left", async () => {
    // This machine's CPU-only case is the issue's `--gpus 0`; on a GPU machine an index it lacks.
    const gpus = detectGpus()?.length ? "99" : "0";
    const out = join(root, "gpus");
    const r = await runCli(["run", specPath, out, "--superni", SUPERNI, "--gpus", gpus]);
    expect(r.code).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("quicklearn: error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^quicklearn: error: preflight: --gpus ${gpus}: (no CUDA GPU is available|GPU 99 does not exist)`,
      ),
    );
    expect(r.stderr).toMatch(/hint: quicklearn check .* lists every check; .* --no-check/);
    expect(r.stderr).not.toMatch(/cuda_unavailable|attempt/);
    expect(existsSync(out)).toBe(false);
  });

  it("run --no-check --gpus without those GPUs fails each run once: the engine's cuda_unavailable is not retried", async () => {
    const gpus = detectGpus()?.length ? "99" : "0";
    const out = join(root, "no-check");
    const r = await runCli(["run", specPath, out, "--superni", SUPERNI, "--gpus", gpus, "--no-check"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/quicklearn: error: 2 run\(s\) failed, e\.g\. .*: cuda_unavailable: /);
    expect(r.stderr).not.toMatch(/will retry/);
    const store = new StudyStore(out);
    for (const id of await store.planRunIds())
      expect(await store.readState(id)).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("check passes a whole study, then names a truncated weight file, a cut tokenizer and a missing data file", async () => {
    const out = join(root, "study");
    await prepareStudy(new StudyStore(out), await loadStudyFile(specPath), {
      superni: SUPERNI,
      preset: null,
    });

    const good = await runCli(["check", out, "--cpu", "--json"]);
    expect(good.code, good.stderr).toBe(0);
    const report = JSON.parse(good.stdout) as { ok: boolean; findings: { check: string; ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => `${f.check}:${f.ok}`)).toEqual([
      "model:true",
      "tokenizer:true",
      "weights:true",
      "data:true",
      "disk:true",
    ]);

    const weights = join(root, "base", "model.safetensors");
    const header = (await readFile(weights)).readBigUInt64LE(0);
    const size = (await readFile(weights)).length;
    const tensors = size - 8 - Number(header);
    await truncate(weights, size - 1000);
    const tokenizer = join(root, "base", "tokenizer.json");
    await writeFile(tokenizer, (await readFile(tokenizer)).subarray(0, 2000));
    const dataFile = join(out, "data", "plain", "task970_sherliic_causal_relationship", "test.jsonl");
    await unlink(dataFile);

    const bad = await runCli(["check", out, "--cpu"]);
    expect(bad.code).toBe(2);
    const fmt = (n: number) => n.toLocaleString("en-US");
    expect(bad.stdout).toContain(
      `FAIL  weights   ${join(root, "base")}: ${weights}: truncated: header says ${fmt(tensors)} bytes of tensors, ` +
        `the file has ${fmt(tensors - 1000)}\n`,
    );
    expect(bad.stdout).toMatch(
      new RegExp(`FAIL  tokenizer .*: ${tokenizer}: not valid JSON: .* \\(the file ends early`),
    );
    expect(bad.stdout).toContain(`FAIL  data      ${join(out, "data")}: ${dataFile}: missing`);
    expect(bad.stderr).toMatch(
      /^quicklearn: error: preflight: .*tokenizer\.json: not valid JSON.*; .*model\.safetensors: truncated.*; .*test\.jsonl: missing/m,
    );
  });
});

/**
 * The SLURM array worker (`quicklearn worker`) checks the machine it landed on before its first run: the
 * device its runs will use, their models and tokenizers, the disk. A failed check is exit 2 with every
 * run left as it was (pending), not a failed (and retried) run each.
 */
describe.skipIf(!haveEngine)("worker preflight (real engine check, tiny model)", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-worker-preflight-"));
    await makeTinyModel({ arch: "t5", out: join(root, "base"), corpus: SUPERNI, vocabSize: 300 });
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A prepared study on `model` (planned, data built, nothing run). */
  const study = async (name: string, model: string) => {
    const specPath = join(root, `${name}.yaml`);
    await writeFile(specPath, spec(model));
    const store = new StudyStore(join(root, name));
    await prepareStudy(store, await loadStudyFile(specPath), { superni: SUPERNI, preset: null });
    return store;
  };

  /** runWorker with its preflight; the engine must never start. What it reported, and the error it threw. */
  const work = async (store: StudyStore, slot: WorkerSlot) => {
    const lines: string[] = [];
    let started = 0;
    const ids = await store.planRunIds();
    const error = await runWorker(store.dir, ids, {
      slot,
      retries: 3,
      startEngine: () => {
        started++;
        return Promise.reject(new Error("the engine must not start after a failed preflight"));
      },
      preflight: { report: (line) => lines.push(line) },
    }).then(
      () => null,
      (e: unknown) => e as PreflightError,
    );
    expect(started).toBe(0);
    for (const id of ids) {
      expect(await store.runStatus(id)).toMatchObject({ status: "pending" });
      expect(existsSync(store.claimPath(id))).toBe(false);
    }
    return { lines, error };
  };

  it("--gpus 0 on a machine without CUDA: exit 2 naming the device, every run still pending", async () => {
    // This machine's CPU-only case; on a GPU machine an index it lacks.
    const gpu = detectGpus()?.length ? 99 : 0;
    const store = await study("gpus", join(root, "base"));
    const { lines, error } = await work(store, workerSlots({ gpus: [gpu] })[0]!);
    expect(error?.name).toBe("PreflightError");
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(
      new RegExp(`^preflight: --gpus ${gpu}: (no CUDA GPU is available|GPU 99 does not exist)`),
    );
    expect(error?.hint).toMatch(/no run was started on .*: they stay pending .* --no-check/);
    expect(lines.filter((l) => l.startsWith("FAIL"))).toEqual([
      expect.stringMatching(new RegExp(`^FAIL {2}device {4}--gpus ${gpu}: (no CUDA|GPU 99)`)),
    ]);
    expect(lines.filter((l) => l.startsWith("ok"))).toEqual([
      expect.stringMatching(/^ok {4}model/),
      expect.stringMatching(/^ok {4}tokenizer/),
      expect.stringMatching(/^ok {4}weights/),
      expect.stringMatching(/^ok {4}disk/),
    ]);
  });

  it.skipIf(Boolean(detectGpus()?.length))(
    "no --gpus, but CUDA_VISIBLE_DEVICES gives GPUs this machine lacks: named by the variable",
    async () => {
      const store = await study("visible", join(root, "base"));
      const before = process.env.CUDA_VISIBLE_DEVICES;
      process.env.CUDA_VISIBLE_DEVICES = "0";
      try {
        const { lines, error } = await work(store, workerSlots({})[0]!);
        expect(lines).toContainEqual(
          expect.stringMatching(
            /^FAIL {2}device {4}CUDA_VISIBLE_DEVICES=0 \(the GPUs this process was given\): no CUDA GPU/,
          ),
        );
        expect(error?.message).toMatch(
          /^preflight: CUDA_VISIBLE_DEVICES=0 \(the GPUs this process was given\): no CUDA GPU is available/,
        );
      } finally {
        if (before === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
        else process.env.CUDA_VISIBLE_DEVICES = before;
      }
    },
  );

  it("quicklearn worker --gpus 0 prints each finding and exits 2; --no-check runs (and fails) each run once", async () => {
    const gpus = detectGpus()?.length ? "99" : "0";
    const store = await study("cli", join(root, "base"));
    const runs = (await store.planRunIds()).join(",");
    const r = await runCli(["worker", store.dir, "--runs", runs, "--gpus", gpus, "--retries", "3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^FAIL {2}device {4}--gpus ${gpus}: (no CUDA|GPU 99)`, "m"));
    expect(r.stderr).toMatch(/^ok {4}tokenizer /m);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("quicklearn: error:"));
    expect(errors).toEqual([
      expect.stringMatching(new RegExp(`^quicklearn: error: preflight: --gpus ${gpus}: `)),
    ]);
    for (const id of await store.planRunIds())
      expect(await store.runStatus(id)).toMatchObject({ status: "pending" });

    const skipped = await runCli(["worker", store.dir, "--runs", runs, "--gpus", gpus, "--no-check"]);
    expect(skipped.code).toBe(1);
    expect(skipped.stderr).not.toMatch(/^FAIL/m);
    for (const id of await store.planRunIds())
      expect(await store.readState(id)).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("a tokenizer.json cut after submission is named; with --cpu the rest passes", async () => {
    const model = join(root, "cut");
    await cp(join(root, "base"), model, { recursive: true });
    const store = await study("cut", model);
    const tokenizer = join(model, "tokenizer.json");
    await writeFile(tokenizer, (await readFile(tokenizer)).subarray(0, 2000));
    const { lines, error } = await work(store, workerSlots({ cpu: true })[0]!);
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(
      new RegExp(`^preflight: ${tokenizer}: not valid JSON: .* \\(the file ends early: truncated\\?\\)$`),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^FAIL {2}tokenizer ${model}: ${tokenizer}: `)),
    );
    expect(lines.some((l) => /device/.test(l))).toBe(false);
  });
});
