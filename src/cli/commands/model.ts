import { Option, type Command } from "@commander-js/extra-typings";
import { makeTinyModel } from "../../engine/index.js";
import { UserError } from "../../util/errors.js";
import { info, printJson } from "../output.js";

export function registerModelCommands(program: Command): void {
  const model = program.command("model").description("models for the engine");

  model
    .command("tiny")
    .description(
      "make a tiny randomly initialised model (Hugging Face layout) with a tokenizer trained on a corpus, offline",
    )
    .addOption(
      new Option("--arch <arch>", "architecture").choices(["t5", "llama"] as const).makeOptionMandatory(),
    )
    .requiredOption("--out <dir>", "output folder: new, empty, or an earlier tiny model (replaced)")
    .option("--force", "replace --out even when it holds something else")
    .option(
      "--corpus <dir>",
      "SuperNI checkout (tasks/*.json) or a `data build` folder (*.jsonl) for the tokenizer",
    )
    .option("--vocab-size <n>", "tokenizer vocabulary size", "4000")
    .option("--seed <n>", "seed of the random initialisation", "0")
    .option("--dropout <p>", "dropout of the model", "0")
    .option("--json", "print one JSON document")
    .action(async (opts) => {
      const result = await makeTinyModel({
        arch: opts.arch,
        out: opts.out,
        corpus: opts.corpus,
        vocabSize: integer(opts.vocabSize, "--vocab-size", 16),
        seed: integer(opts.seed, "--seed", 0),
        dropout: fraction(opts.dropout, "--dropout"),
        force: opts.force,
      });
      if (opts.json) printJson(result);
      else
        info(
          `wrote ${result.arch} model to ${result.out} (${result.parameters} parameters, vocabulary ${result.vocab_size})`,
        );
    });
}

function integer(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} ${text}: expected an integer >= ${min}`);
  return n;
}

function fraction(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n >= 1)
    throw new UserError(`${flag} ${text}: expected a number in [0, 1)`);
  return n;
}
