import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../src/engine/index.js";
import { venvPython } from "../src/util/paths.js";
import { runCli } from "./helpers/cli.js";
import { DEMO_SUPERNI as SUPERNI } from "./helpers/superni.js";
import { pftAndBaseline, tinyStudyYaml } from "./helpers/tiny-study.js";

/**
 * `quicklearn run --cpu --mtl-processes 2` with the real engine: the pre-finetune and the mtl run are trained
 * by two torchrun processes (gloo), the single-task runs by the pooled engine worker as usual; the study
 * finishes and its report builds.
 */
const haveEngine = existsSync(venvPython());

const spec = (model: string) => tinyStudyYaml("mtl-e2e", pftAndBaseline(model, 6, "[stl, mtl]"));

describe.skipIf(!haveEngine)("a study's mtl runs through torchrun (real engine, CPU, 2 processes)", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-mtl-e2e-"));
    await makeTinyModel({ arch: "t5", out: join(root, "base"), corpus: SUPERNI, vocabSize: 600 });
    await writeFile(join(root, "study.yaml"), spec(join(root, "base")));
  }, 120_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("trains the pre-finetune and the mtl run with 2 gloo processes; every run done; the report builds", async () => {
    const out = join(root, "study");
    const args = ["run", join(root, "study.yaml"), "--out", out, "--superni", SUPERNI, "--cpu"];
    const r = await runCli([...args, "--mtl-processes", "2", "--retries", "0"]);
    expect(r.code, r.stderr).toBe(0);

    const status = JSON.parse((await runCli(["status", out, "--json"])).stdout);
    expect([status.total, status.done, status.failed]).toEqual([4, 4, 0]);
    const plan = JSON.parse(await readFile(join(out, "plan.json"), "utf8")) as {
      runs: { id: string; setting: string }[];
    };
    for (const run of plan.runs) {
      const stats = JSON.parse(await readFile(join(out, "runs", run.id, "stats.json"), "utf8"));
      if (run.setting === "stl") expect(stats.distributed, run.id).toBeUndefined();
      else expect(stats.distributed, run.id).toMatchObject({ world_size: 2, backend: "gloo" });
      // How the run was executed is not part of its stored spec.
      const stored = JSON.parse(await readFile(join(out, "runs", run.id, "spec.json"), "utf8"));
      expect(stored.train.parallel, run.id).toBeUndefined();
    }
    expect(plan.runs.map((x) => x.setting).sort()).toEqual(["mtl", "prefinetune", "stl", "stl"]);

    const report = await runCli(["report", out]);
    expect(report.code, report.stderr).toBe(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  }, 300_000);
});
