import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { venvPython } from "../src/util/paths.js";
import { runCli } from "./helpers/cli.js";
import { DEMO_SUPERNI as SUPERNI } from "./helpers/superni.js";
import { tinyStudyYaml } from "./helpers/tiny-study.js";

/**
 * Issue 15 end to end with the real engine on CPU: a tiny Llama whose tokenizer carries a ChatML template
 * (`model tiny --chat-template`), fine-tuned through its template (`template: chat`) with full fine-tuning and
 * with LoRA, and evaluated zero-shot, on two bundled SuperNI test tasks; then the report.
 */
const haveEngine = existsSync(venvPython());
const TEMPLATE_TOKENS = ["<|im_start|>", "<|im_end|>", "<pad>", "</s>"];

const spec = (model: string) =>
  tinyStudyYaml(
    "chat-e2e",
    `arms:
  - name: chat-full
    role: instruction-tuned
    model: ${model}
    encoding: thesis-def-pos
    template: chat
    settings: [stl]
    budgets: [8]
  - name: chat-lora
    role: baseline
    model: ${model}
    encoding: thesis-def-pos
    template: chat
    settings: [stl]
    budgets: [8]
    hyperparameters: {lora: {r: 4, alpha: 8}, learning_rate: 1.0e-2}
  - name: chat-zero
    model: ${model}
    encoding: thesis-def-pos
    template: chat
    settings: [eval]
`,
  );

interface PlannedRun {
  id: string;
  arm: string;
  setting: string;
}

describe.skipIf(!haveEngine)("a study of a chat model through its chat template (real engine, CPU)", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-chat-e2e-"));
    const model = join(root, "chat-llama");
    const made = await runCli([
      "model",
      "tiny",
      "--arch",
      "llama",
      "--chat-template",
      "--out",
      model,
      "--corpus",
      SUPERNI,
      "--vocab-size",
      "400",
    ]);
    expect(made.code, made.stderr).toBe(0);
    await writeFile(join(root, "study.yaml"), spec(model));
  }, 120_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("trains full and LoRA arms with template chat; predictions hold no template tokens; the report builds", async () => {
    const out = join(root, "study");
    const r = await runCli(["run", join(root, "study.yaml"), "--out", out, "--superni", SUPERNI, "--cpu"]);
    expect(r.code, r.stderr).toBe(0);

    const status = JSON.parse((await runCli(["status", out, "--json"])).stdout);
    expect([status.total, status.done, status.failed]).toEqual([5, 5, 0]);
    const plan = JSON.parse(await readFile(join(out, "plan.json"), "utf8")) as { runs: PlannedRun[] };
    let predictions = 0;
    for (const run of plan.runs) {
      const dir = join(out, "runs", run.id);
      const stored = JSON.parse(await readFile(join(dir, "spec.json"), "utf8"));
      expect(stored.template, run.id).toBe("chat");
      expect(stored.train?.lora?.r ?? null, run.id).toBe(run.arm === "chat-lora" ? 4 : null);
      const stats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
      expect(stats.template, run.id).toBe("chat");
      // The rendered thesis-def-pos prompts exceed max_source_length 96: truncated, and counted.
      expect(stats.eval.truncation.total.truncated_sources, run.id).toBe(stats.eval.truncation.total.rows);
      const rows = (await readFile(join(dir, "predictions.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { prediction: string });
      for (const { prediction } of rows)
        for (const token of TEMPLATE_TOKENS) expect(prediction, run.id).not.toContain(token);
      predictions += rows.filter((row) => row.prediction !== "").length;
    }
    // Text came out (the untrained zero-shot model emits whatever tokens, template ones included, until a stop).
    expect(predictions).toBeGreaterThan(0);
    expect(plan.runs.map((x) => `${x.arm}/${x.setting}`).sort()).toEqual([
      "chat-full/stl",
      "chat-full/stl",
      "chat-lora/stl",
      "chat-lora/stl",
      "chat-zero/eval",
    ]);

    const report = await runCli(["report", out, "--json"]);
    expect(report.code, report.stderr).toBe(0);
    const arms = new Set((JSON.parse(report.stdout).tasks as { arm: string }[]).map((t) => t.arm));
    expect(arms).toEqual(new Set(["chat-full", "chat-lora", "chat-zero"]));
    expect((await runCli(["report", out])).code).toBe(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  }, 300_000);

  it("refuses template chat for a model without a chat template before any run: the preflight names it", async () => {
    const plainModel = join(root, "plain-llama");
    const made = await runCli([
      "model",
      "tiny",
      "--arch",
      "llama",
      "--out",
      plainModel,
      "--vocab-size",
      "300",
    ]);
    expect(made.code, made.stderr).toBe(0);
    const yaml = join(root, "plain.yaml");
    await writeFile(
      yaml,
      tinyStudyYaml(
        "chat-plain",
        `arms:
  - name: zero
    model: ${plainModel}
    encoding: plain
    template: chat
    settings: [eval]
`,
      ),
    );
    const out = join(root, "plain-study");
    const r = await runCli(["run", yaml, "--out", out, "--superni", SUPERNI, "--cpu"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /quicklearn: error: preflight: template 'chat': the tokenizer of .*plain-llama.* has no chat template/,
    );
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
