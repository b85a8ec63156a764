/**
 * `quicklearn demo --quick` end to end on the real engine (CPU) and the bundled SuperNI subset: base model,
 * both pre-finetunes, STL/MTL runs of the instruction-tuned arm and the baselines, zero-shot, scoring, the
 * report and the summary. Then a second start on the same folder resumes: nothing is redone.
 */
import { existsSync, statSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoStudy, QUICK_TASKS } from "../src/demo/index.js";
import { planStudy, studyContext } from "../src/study/index.js";
import { DEMO_SUPERNI } from "../src/demo/study.js";
import { venvPython } from "../src/util/paths.js";
import { runCli } from "./helpers/cli.js";

const haveEngine = existsSync(venvPython());
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-demo-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface DemoJson {
  out: string;
  report: { html: string; md: string };
  runs: { total: number; done: number; failed: number };
  summary: string[];
  overall: { arm: string; setting: string; budget: string | null; rougeL: number; ci: [number, number] }[];
  matching: { arm: string; baseline: string; budget_per_task: number | null }[];
}

describe("the demo study", () => {
  it("--quick keeps the full demo's design on fewer tasks, with its edits written into the YAML", async () => {
    // Planning names a local model by its content, so the demo's base model must exist: any file will do.
    const out = join(dir, "plan-only");
    await mkdir(join(out, "base-model"), { recursive: true });
    await writeFile(join(out, "base-model", "config.json"), "{}");
    const full = demoStudy(out, false);
    const quick = demoStudy(out, true);
    expect(quick.spec.tasks).toEqual(QUICK_TASKS);
    expect(quick.spec.arms).toEqual(full.spec.arms);
    expect(quick.text).toMatch(/^tasks: \[ ?task020/m);
    const plan = (s: typeof full) =>
      studyContext(s, { superni: DEMO_SUPERNI, preset: "demo" }).then((c) => planStudy(s.spec, c.plan));
    const [pf, pq] = await Promise.all([plan(full), plan(quick)]);
    const settings = (p: typeof pf) => new Set(p.runs.map((r) => `${r.arm}/${r.setting}/${r.budget}`));
    expect(settings(pq)).toEqual(settings(pf));
    expect(pf.runs.filter((r) => r.setting === "stl")).toHaveLength(7 * 6); // inst x3, B1, B2, B3 per task
    // Every baseline-1 run starts from the pre-finetune without instructions.
    for (const r of pf.runs.filter((r) => r.arm === "B1")) expect(r.depends_on).toHaveLength(1);
  });
});

describe.skipIf(!haveEngine)("quicklearn demo --quick", () => {
  let first: DemoJson;

  it(
    "runs the shortened demo end to end and summarises it from the analysis",
    { timeout: 600_000 },
    async () => {
      const out = join(dir, "demo");
      const r = await runCli(["demo", "--quick", "--out", out, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      first = JSON.parse(r.stdout) as DemoJson;
      expect(first.runs.failed).toBe(0);
      expect(first.runs.done).toBe(first.runs.total);
      expect(r.stderr).toMatch(/\[1\/3\][\s\S]*\[2\/3\][\s\S]*\[3\/3\]/);

      const html = await readFile(first.report.html, "utf8");
      expect(html).toContain("<svg");
      expect(html).toContain("task970_sherliic_causal_relationship");
      // The instruction encodings overflow the demo's source limit: the report shows what was cut.
      expect(html).toMatch(/✂ train \d+ of \d+ sources/);
      expect(existsSync(first.report.md)).toBe(true);

      const conds = new Set(first.overall.map((o) => `${o.arm}/${o.setting}/${o.budget}`));
      for (const c of ["inst/stl/10", "inst/stl/20", "inst/stl/50", "inst/mtl/50", "B1/stl/20", "B1/mtl/20"])
        expect(conds).toContain(c);
      for (const c of ["B2/stl/50", "B2/mtl/50", "B3/stl/all", "zero-shot/eval/null"])
        expect(conds).toContain(c);
      // The tiny model learns at least the yes/no label format of the classification tasks.
      const b3 = first.overall.find((o) => o.arm === "B3")!;
      expect(b3.rougeL).toBeGreaterThan(10);

      expect(first.summary).toHaveLength(3);
      const inst10 = first.overall.find((o) => o.arm === "inst" && o.setting === "stl" && o.budget === "10")!;
      expect(first.summary[0]).toContain(
        `inst 10/task ${inst10.rougeL.toFixed(1)} [${inst10.ci[0].toFixed(1)},`,
      );
      expect(first.summary[1]).toMatch(/^MTL ROUGE-L .*zero-shot \(no fine-tuning\)/);
      expect(first.summary[2]).toMatch(
        new RegExp(`^Matching budget \\(\\d+ of ${first.matching.length} supported`),
      );
    },
  );

  it(
    "resumes: a second start redoes nothing and clears a killed base-model attempt",
    { timeout: 120_000 },
    async () => {
      const out = join(dir, "demo");
      const model = join(out, "base-model", "model.safetensors");
      const before = statSync(model).mtimeMs;
      await mkdir(join(out, ".base-model.tmp-killed"));
      const r = await runCli(["demo", "--quick", "--out", out, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("already there (resuming)");
      const second = JSON.parse(r.stdout) as DemoJson;
      expect(r.stderr).toContain(`${second.runs.total}/${second.runs.total} runs done at start`);
      expect(statSync(model).mtimeMs).toBe(before);
      expect(existsSync(join(out, ".base-model.tmp-killed"))).toBe(false);
      expect(second.summary).toEqual(first.summary);
    },
  );

  it(
    "keeps every finished run when the study directory is copied or renamed",
    { timeout: 120_000 },
    async () => {
      const copy = join(dir, "copied elsewhere");
      await cp(join(dir, "demo"), copy, { recursive: true });
      const renamed = join(dir, "renamed");
      await rename(join(dir, "demo"), renamed);
      for (const out of [copy, renamed]) {
        const runsBefore = (await readdir(join(out, "runs"))).length;
        const r = await runCli(["demo", "--quick", "--out", out, "--json"]);
        expect(r.code, r.stderr).toBe(0);
        const moved = JSON.parse(r.stdout) as DemoJson;
        expect(r.stderr).toContain(`${moved.runs.total}/${moved.runs.total} runs done at start`);
        expect((await readdir(join(out, "runs"))).length).toBe(runsBefore);
        expect(moved.summary).toEqual(first.summary);
      }
    },
  );
});
