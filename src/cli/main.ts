import { Command, CommanderError } from "@commander-js/extra-typings";
import { isUserError } from "../util/errors.js";
import { registerDataCommands } from "./commands/data.js";
import { registerScoreCommand } from "./commands/score.js";
import { registerModelCommands } from "./commands/model.js";
import { registerTrainCommand } from "./commands/train.js";
import { registerStudyCommands } from "./commands/study.js";
import { registerCheckCommand } from "./commands/check.js";
import { registerReportCommand } from "./commands/report.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerCurveCommand } from "./commands/curve.js";
import { example } from "./help.js";
import { registerTaskCommands } from "./commands/task.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("quicklearn")
    .description(
      "sample-efficiency studies of instruction tuning: how few labelled examples an instruction-tuned model " +
        "needs to match a fully supervised one (after Gupta, 2023, 'Instruction Tuned Models Are Quick Learners')",
    )
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      example("demo", "run --preset thesis --superni natural-instructions studies/thesis"),
    )
    .exitOverride();
  registerDemoCommand(program);
  registerDataCommands(program);
  registerTaskCommands(program);
  registerScoreCommand(program);
  registerModelCommands(program);
  registerTrainCommand(program);
  registerStudyCommands(program);
  registerCheckCommand(program);
  registerReportCommand(program);
  registerCurveCommand(program);
  // Sub-commands inherit exitOverride so parse errors come back to main() instead of exiting.
  for (const c of program.commands) propagateExitOverride(c as unknown as Command);
  return program;
}

function propagateExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const c of cmd.commands) propagateExitOverride(c as unknown as Command);
}

function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
}

/** Runs the CLI and returns the exit code; user mistakes become one clear message, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  // `quicklearn encode --json | head` closes our stdout early: that is the reader's choice, not an error.
  // Once per process: tests call main() many times, and a listener per call trips Node's leak warning.
  if (!process.stdout.listeners("error").includes(onStdoutError)) process.stdout.on("error", onStdoutError);
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed the message (or the help/version text).
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(e)) {
      process.stderr.write(`quicklearn: error: ${e.message}\n`);
      if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
      return e.exitCode;
    }
    process.stderr.write(
      `quicklearn: internal error (please report it):\n${(e as Error)?.stack ?? String(e)}\n`,
    );
    return 70;
  }
}
