/** `quicklearn model tiny` and `quicklearn train --spec` end to end through main(), on the real engine. */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeColourRows } from "./helpers/rows.js";
import { runCli } from "./helpers/cli.js";

let dir: string;
const saved = process.env.QUICKLEARN_TORCH_THREADS;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-engine-cli-"));
  process.env.QUICKLEARN_TORCH_THREADS = "1";
  await writeColourRows(join(dir, "data", "train.jsonl"), 6);
});

afterAll(async () => {
  if (saved === undefined) delete process.env.QUICKLEARN_TORCH_THREADS;
  else process.env.QUICKLEARN_TORCH_THREADS = saved;
  await rm(dir, { recursive: true, force: true });
});

describe("quicklearn model tiny + train", () => {
  it("makes a tiny T5, trains and evaluates it from a spec file, printing one JSON document", async () => {
    const model = join(dir, "t5");
    const made = await runCli([
      "model",
      "tiny",
      "--arch",
      "t5",
      "--out",
      model,
      "--corpus",
      join(dir, "data"),
      "--vocab-size",
      "200",
      "--json",
    ]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ arch: "t5", out: model });
    for (const f of [
      "config.json",
      "model.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
      "special_tokens_map.json",
    ]) {
      expect(existsSync(join(model, f))).toBe(true);
    }
    const data = join(dir, "data", "train.jsonl");
    const specFile = join(dir, "spec.json");
    const spec = {
      run_id: "cli-run",
      model,
      output_dir: join(dir, "out"),
      device: "cpu",
      train: { files: [data], epochs: 2, effective_batch_size: 3, learning_rate: 1e-3 },
      eval: { files: [data], max_new_tokens: 4 },
    };
    await writeFile(specFile, JSON.stringify(spec));
    const run = await runCli(["train", "--spec", specFile, "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.run_id).toBe("cli-run");
    expect(Object.keys(result.outputs).sort()).toEqual(["predictions", "stats", "train_log"]);
    expect(readFileSync(result.outputs.predictions, "utf8").trim().split("\n")).toHaveLength(6);
    expect(run.stderr).toContain("train");
  });

  it("rejects a bad spec file with the file and field named, and an unknown --arch", async () => {
    const specFile = join(dir, "bad.json");
    await writeFile(
      specFile,
      JSON.stringify({ run_id: "x", model: "m", output_dir: "o", eval: { files: ["a"], batch_size: 0 } }),
    );
    const bad = await runCli(["train", "--spec", specFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json: invalid run spec: eval\.batch_size/);
    expect(bad.stdout).toBe("");
    const arch = await runCli(["model", "tiny", "--arch", "gpt9", "--out", join(dir, "x")]);
    expect(arch.code).toBe(2);
    expect(arch.stderr).toMatch(/gpt9/);
  });

  it("reports a missing model folder as a one-line error", async () => {
    const specFile = join(dir, "missing.json");
    const spec = {
      run_id: "m",
      model: join(dir, "nope"),
      output_dir: join(dir, "o"),
      device: "cpu",
      eval: { files: [join(dir, "data", "train.jsonl")] },
    };
    await writeFile(specFile, JSON.stringify(spec));
    const r = await runCli(["train", "--spec", specFile, "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/quicklearn: error: model: model folder .*nope.* does not exist/);
    expect(r.stdout).toBe("");
  });
});

describe("quicklearn model tiny --chat-template (issue 15)", () => {
  it("gives a causal LM's tokenizer a ChatML template, and refuses it for T5 without writing anything", async () => {
    const model = join(dir, "qwen2-chat");
    const made = await runCli([
      "model",
      "tiny",
      "--arch",
      "qwen2",
      "--chat-template",
      "--out",
      model,
      "--corpus",
      join(dir, "data"),
      "--vocab-size",
      "200",
      "--json",
    ]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ arch: "qwen2", out: model, chat_template: true });
    expect(JSON.parse(readFileSync(join(model, "config.json"), "utf8")).model_type).toBe("qwen2");
    expect(readFileSync(join(model, "chat_template.jinja"), "utf8")).toContain("<|im_start|>");
    const t5 = join(dir, "t5-chat");
    const refused = await runCli(["model", "tiny", "--arch", "t5", "--chat-template", "--out", t5]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/quicklearn: error: --chat-template: .*causal LMs/);
    expect(existsSync(t5)).toBe(false);
  });
});

describe("quicklearn model tiny --out", () => {
  it("refuses a folder that holds something else (nothing is deleted), replaces an earlier tiny model", async () => {
    const tiny = (out: string, ...more: string[]) =>
      runCli([
        "model",
        "tiny",
        "--arch",
        "t5",
        "--out",
        out,
        "--corpus",
        join(dir, "data"),
        "--vocab-size",
        "200",
        ...more,
      ]);
    const keep = join(dir, "keep");
    await mkdir(keep);
    await writeFile(join(keep, "IMPORTANT.txt"), "x");
    const refused = await tiny(keep);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--out .*keep: the folder is not empty and holds no earlier tiny model/);
    expect(readFileSync(join(keep, "IMPORTANT.txt"), "utf8")).toBe("x");
    // The same folder through a missing one and "..": refused alike, nothing created (issue 18).
    const dotdot = await tiny(join(keep, "missing", ".."));
    expect(dotdot.code, dotdot.stderr).toBe(2);
    expect(dotdot.stderr).toMatch(/keep: the folder is not empty and holds no earlier tiny model/);
    expect(existsSync(join(keep, "missing"))).toBe(false);
    const again = join(dir, "again");
    expect((await tiny(again)).code).toBe(0);
    const first = readFileSync(join(again, "model.safetensors"));
    expect((await tiny(again, "--seed", "7")).code).toBe(0);
    expect(readFileSync(join(again, "model.safetensors")).equals(first)).toBe(false);
    expect((await tiny(keep, "--force")).code).toBe(0);
    expect(existsSync(join(keep, "IMPORTANT.txt"))).toBe(false);
  });
});
