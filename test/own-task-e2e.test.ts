/**
 * Issue 15 end to end with the real engine on CPU: a user's CSV (quotes, line breaks, several scripts, a
 * BOM) and JSONL file imported into a collection, a study on it with a tiny T5 (an instruction-tuned curve
 * and a supervised all-data arm) and a tiny chat Llama through its template (full and LoRA), the report,
 * and the user's question asked of the fitted curve.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { venvPython } from "../src/util/paths.js";
import { runCli } from "./helpers/cli.js";
import { TICKETS } from "./helpers/own-tasks.js";

const haveEngine = existsSync(venvPython());

const ANSWERS = Array.from({ length: 130 }, (_, i) =>
  JSON.stringify({ q: `What is ${i} plus one?`, answers: [String(i + 1), `${i + 1}.`] }),
).join("\n");

const TEMPLATE_TOKENS = ["<|im_start|>", "<|im_end|>"];

describe.skipIf(!haveEngine)("a study on the user's own tasks (import, run, report, curve)", () => {
  let root: string;
  beforeAll(async () => {
    process.stdout.setMaxListeners(100);
    root = await mkdtemp(join(tmpdir(), "ql-own-task-"));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("answers how many labels per task reach 95 % of the full-data score", async () => {
    const collection = join(root, "my-tasks");
    await writeFile(join(root, "tickets.csv"), TICKETS);
    await writeFile(join(root, "sums.jsonl"), ANSWERS);
    const imports = [
      ["tickets.csv", "task9001_tickets", "text", "team", "Route the ticket to a team: it or finance."],
      ["sums.jsonl", "task9002_sums", "q", "answers", "Answer with the number."],
    ];
    for (const [file, name, input, output, definition] of imports) {
      const r = await runCli([
        "task",
        "import",
        join(root, file!),
        "--out",
        collection,
        "--name",
        name!,
        "--input",
        input!,
        "--output",
        output!,
        "--definition",
        definition!,
        "--positive-examples",
        "2",
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const t5 = join(root, "t5");
    const llama = join(root, "chat-llama");
    for (const [arch, out, extra] of [
      ["t5", t5, []],
      ["llama", llama, ["--chat-template"]],
    ] as const) {
      const made = await runCli([
        "model",
        "tiny",
        "--arch",
        arch,
        "--out",
        out,
        "--corpus",
        collection,
        "--vocab-size",
        "300",
        ...extra,
      ]);
      expect(made.code, made.stderr).toBe(0);
    }
    await writeFile(
      join(root, "study.yaml"),
      `name: own-tasks
superni: ./my-tasks
tasks: [task9001_tickets, task9002_sums]
seeds: [7]
hyperparameters: {epochs: 2, learning_rate: 3.0e-3, effective_batch_size: 4, max_source_length: 96, max_target_length: 8, precision: fp32}
evaluation: {variant: superni, max_new_tokens: 6, num_beams: 1}
arms:
  - name: inst
    role: instruction-tuned
    model: ./t5
    encoding: thesis-def-pos
    settings: [stl]
    budgets: [4, 8, 16]
  - name: sup
    role: supervised
    model: ./t5
    encoding: plain
    settings: [stl]
    budgets: [all]
  - name: chat-full
    role: baseline
    model: ./chat-llama
    encoding: thesis-def-pos
    template: chat
    settings: [stl]
    budgets: [8]
  - name: chat-lora
    role: baseline
    model: ./chat-llama
    encoding: thesis-def-pos
    template: chat
    settings: [stl]
    budgets: [8]
    hyperparameters: {lora: {r: 4, alpha: 8}, learning_rate: 1.0e-2}
`,
    );
    const out = join(root, "study");
    const run = await runCli(["run", join(root, "study.yaml"), out, "--cpu"]);
    expect(run.code, run.stderr).toBe(0);
    const status = JSON.parse((await runCli(["status", out, "--json"])).stdout);
    expect([status.total, status.done, status.failed]).toEqual([12, 12, 0]);

    const plan = JSON.parse(await readFile(join(out, "plan.json"), "utf8"));
    for (const r of plan.runs.filter((x: { arm: string }) => x.arm.startsWith("chat-"))) {
      const lines = (await readFile(join(out, "runs", r.id, "predictions.jsonl"), "utf8")).trim().split("\n");
      expect(lines.length).toBe(100);
      for (const line of lines)
        for (const token of TEMPLATE_TOKENS) expect(JSON.parse(line).prediction, r.id).not.toContain(token);
    }

    const report = await runCli(["report", out, "--json"]);
    expect(report.code, report.stderr).toBe(0);
    const doc = JSON.parse(report.stdout);
    expect(
      doc.fits.some((f: { arm: string; scope: string }) => f.arm === "inst" && f.scope === "overall"),
    ).toBe(true);
    expect((await runCli(["report", out])).code).toBe(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);

    const curve = await runCli([
      "curve",
      out,
      "--arm",
      "inst",
      "--share-of",
      "sup:stl:all",
      "--share",
      "0.95",
      "--resamples",
      "300",
      "--json",
    ]);
    expect(curve.code, curve.stderr).toBe(0);
    const [query] = JSON.parse(curve.stdout).queries;
    expect(query).toMatchObject({ arm: "inst", setting: "stl", scope: "overall", share: 0.95 });
    expect(query.baseline).toEqual({ arm: "sup", setting: "stl", budget: "all" });
    expect(typeof query.extrapolated).toBe("boolean");
  }, 600_000);
});
