import { Option, type Command } from "@commander-js/extra-typings";
import { makeTinyModel, TINY_ARCHS } from "../../engine/index.js";
import { example } from "../help.js";
import { info, printJson } from "../output.js";
import { fraction, wholeNumber } from "../parse.js";

export function registerModelCommands(program: Command): void {
  const model = program
    .command("model")
    .description("models for the engine")
    .addHelpText("after", example("model tiny --arch t5 --out models/tiny"));

  model
    .command("tiny")
    .description(
      "make a tiny randomly initialised model (Hugging Face layout) with a tokenizer trained on a corpus, offline",
    )
    .addOption(new Option("--arch <arch>", "architecture").choices(TINY_ARCHS).makeOptionMandatory())
    .requiredOption("--out <dir>", "output folder: new, empty, or an earlier tiny model (replaced)")
    .option("--force", "replace --out even when it holds something else")
    .option(
      "--corpus <dir>",
      "SuperNI checkout (tasks/*.json) or a `data build` folder (*.jsonl) for the tokenizer",
    )
    .option("--vocab-size <n>", "tokenizer vocabulary size", "4000")
    .option("--seed <n>", "seed of the random initialisation", "0")
    .option("--dropout <p>", "dropout of the model", "0")
    .option(
      "--chat-template",
      "give the tokenizer a ChatML chat template (llama, qwen2), for arms with `template: chat`",
    )
    .option("--json", "print one JSON document")
    .addHelpText("after", example("model tiny --arch t5 --out models/tiny --corpus assets/demo/superni"))
    .action(async (opts) => {
      const result = await makeTinyModel({
        arch: opts.arch,
        out: opts.out,
        corpus: opts.corpus,
        vocabSize: wholeNumber("--vocab-size", 16)(opts.vocabSize),
        seed: wholeNumber("--seed", 0)(opts.seed),
        dropout: fraction("--dropout")(opts.dropout),
        force: opts.force,
        chatTemplate: opts.chatTemplate,
      });
      if (opts.json) printJson(result);
      else
        info(
          `wrote ${result.arch} model${result.chat_template ? " with a ChatML chat template" : ""} to ${result.out} (${result.parameters} parameters, vocabulary ${result.vocab_size})`,
        );
    });
}
