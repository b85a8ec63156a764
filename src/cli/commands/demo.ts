import { Option, type Command } from "@commander-js/extra-typings";
import { isAbsolute, relative } from "node:path";
import { reportJson } from "../../report/index.js";
import { progressLine } from "../../report/text.js";
import { ProgressView, type Executor } from "../../runner/index.js";
import { runDemo } from "../../demo/index.js";
import { UserError } from "../../util/errors.js";
import { example } from "../help.js";
import { info, printJson } from "../output.js";
import { studyDirArg } from "../study-dir.js";

/** `quicklearn demo`: the offline demo study (src/demo), the README's main command. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "the offline demo: a miniature of the thesis's study on bundled SuperNI tasks, with a tiny model on CPU " +
        "(no GPU, no internet, no SuperNI checkout); writes DIR/report.html; run it again to resume",
    )
    .argument("[dir]", `the demo's study directory (created; reused to resume; default: ${DEMO_DIR})`)
    .addOption(new Option("--out <dir>", "the demo's study directory (the old form of DIR)").hideHelp())
    .option("--quick", "a shortened demo (3 tasks, smaller pre-finetuning, 1 epoch): what CI runs")
    .option(
      "--search",
      "search the instruction-tuned arm's STL budgets against the supervised baseline instead of its grid",
    )
    .option("--json", "print the outcome as one JSON document (progress stays on stderr)")
    .addHelpText("after", example("demo", "demo --quick /tmp/demo --json", "demo --search /tmp/demo-search"))
    .action(async (dir, opts) => {
      const out = studyDirArg(dir, opts.out, "--out") ?? DEMO_DIR;
      const result = await withDemoInterrupts((onExecutor) =>
        runDemo({
          out,
          quick: opts.quick ?? false,
          say: info,
          events: (total, done, work) => new ProgressView(total, done, work),
          onExecutor,
          search: opts.search,
        }),
      );
      const { status, report } = result;
      if (!report) throw new UserError("stopped; run the same command again to resume", undefined, 130);
      if (opts.json) {
        const analysis = reportJson(report.analysis) as Record<string, unknown>;
        printJson({
          out: result.out,
          report: { html: report.html, md: report.md },
          runs: { total: status.total, done: status.done, failed: status.failed },
          summary: report.summary,
          overall: analysis.overall,
          matching: analysis.matching,
          ...(analysis.search ? { search: analysis.search } : {}),
        });
      } else {
        const say = (line: string) => process.stdout.write(line + "\n");
        say(`\nReport: ${shortPath(report.html)} (also ${shortPath(report.md)})`);
        say(`${progressLine(report.analysis)}.`);
        say(
          `What the demo found (toy scale: a tiny T5 trained from scratch, ${report.analysis.tasks.length} test tasks x 100 ` +
            "instances; it shows the method at work, not the thesis's effect sizes):",
        );
        for (const line of report.summary) say(`  ${line}`);
      }
      if (status.failed > 0)
        throw new UserError(
          `${status.failed} run(s) failed, e.g. ${status.failures[0]!.id}: ${status.failures[0]!.error}`,
          `the report covers the finished runs; running the same command again retries them`,
          1,
        );
    });
}

const DEMO_DIR = "quicklearn-demo";

/** A path relative to the current folder when it lies inside it, else absolute. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/**
 * Ctrl-C (or SIGTERM) once: stop the study gracefully (running runs go back to pending); twice, or before the
 * study has started: exit at once. The next `quicklearn demo` resumes either way.
 */
async function withDemoInterrupts<T>(body: (onExecutor: (e: Executor) => void) => Promise<T>): Promise<T> {
  let executor: Executor | null = null;
  let count = 0;
  const onSignal = () => {
    count++;
    if (executor && count === 1) {
      info("stopping: interrupting running runs (Ctrl-C again to stop at once)");
      executor.stop(false);
      return;
    }
    executor?.stop(true);
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body((e) => (executor = e));
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
