import type { Command } from "@commander-js/extra-typings";
import { DEFAULT_BOOTSTRAP } from "../../analysis/index.js";
import { reportJson, writeReport } from "../../report/index.js";
import { progressLine } from "../../report/text.js";
import { example } from "../help.js";
import { info, printJson } from "../output.js";
import { wholeNumber } from "../parse.js";

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description(
      "analyse a study directory (finished or partial) and write its report: one self-contained HTML page " +
        "(inline SVG charts, tables, claims with bootstrap intervals); optionally Markdown, CSV, LaTeX tables and PNG charts",
    )
    .argument("<dir>", "the study directory (the one holding plan.json)")
    .option("--out <file>", "HTML report path (default: DIR/report.html)")
    .option("--md <file>", "also write the report as Markdown")
    .option("--csv <dir>", "also write the tables as CSV files into this folder")
    .option("--png <dir>", "also write each chart as a PNG (needs Chromium)")
    .option("--latex <dir>", "also write the main tables as LaTeX files (booktabs) into this folder")
    .option("--json", "print the analysis as one JSON document on stdout")
    .option(
      "--resamples <n>",
      "bootstrap resamples",
      wholeNumber("--resamples", 1, 1_000_000),
      DEFAULT_BOOTSTRAP.resamples,
    )
    .option("--seed <n>", "bootstrap PRNG seed", wholeNumber("--seed", 0), DEFAULT_BOOTSTRAP.seed)
    .addHelpText(
      "after",
      example(
        "report studies/s1",
        "report studies/s1 --md report.md --csv tables --json",
        "report studies/s1 --latex paper/tables",
      ),
    )
    .action(async (dir, opts) => {
      const { analysis, written } = await writeReport(dir, {
        out: opts.out,
        md: opts.md,
        csvDir: opts.csv,
        pngDir: opts.png,
        latexDir: opts.latex,
        bootstrap: { resamples: opts.resamples, seed: opts.seed },
      });
      const say = opts.json ? info : (line: string) => process.stdout.write(line + "\n");
      say(`${analysis.study.name}: ${progressLine(analysis)}`);
      for (const path of written) say(`wrote ${path}`);
      if (opts.json) printJson(reportJson(analysis));
    });
}
