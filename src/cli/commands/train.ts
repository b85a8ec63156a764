import { Option, type Command } from "@commander-js/extra-typings";
import cliProgress from "cli-progress";
import {
  EngineWorker,
  formatSpecIssues,
  RunSpec,
  runDistributed,
  type EngineEvent,
  type RunResult,
} from "../../engine/index.js";
import { readJsonFile } from "../../util/fs.js";
import { UserError } from "../../util/errors.js";
import { example } from "../help.js";
import { info, printJson } from "../output.js";

export function registerTrainCommand(program: Command): void {
  program
    .command("train")
    .description(
      "train and/or evaluate one model as a run spec says (docs/engine.md), with progress on stderr",
    )
    .requiredOption(
      "--spec <file>",
      "run spec (JSON); relative paths in it are relative to the current folder",
    )
    .addOption(
      new Option("--device <device>", "device for a spec that says auto").choices([
        "auto",
        "cpu",
        "cuda",
      ] as const),
    )
    .option("--timeout <seconds>", "stop the run after this long")
    .option(
      "--nproc <n>",
      "data-parallel processes through torchrun (one per GPU; gloo on the CPU); docs/engine.md, Multi-GPU",
    )
    .option("--json", "print the run result as one JSON document")
    .addHelpText(
      "after",
      example("train --spec runs/r1/spec.json --device cpu", "train --spec spec.json --nproc 2"),
    )
    .action(async (opts) => {
      const raw = await readJsonFile(opts.spec);
      const parsed = RunSpec.safeParse(raw);
      if (!parsed.success) throw new UserError(`${opts.spec}: ${formatSpecIssues(parsed.error)}`);
      const timeoutMs = opts.timeout === undefined ? undefined : seconds(opts.timeout) * 1000;
      const result =
        opts.nproc === undefined
          ? await trainWithProgress(parsed.data, opts.device, timeoutMs)
          : await trainDistributed(parsed.data, processes(opts.nproc), opts.device, timeoutMs);
      if (opts.json) printJson(result);
      else printSummary(result);
    });
}

async function trainWithProgress(
  spec: RunSpec,
  device: "auto" | "cpu" | "cuda" | undefined,
  timeoutMs: number | undefined,
): Promise<RunResult> {
  const bar = new ProgressDisplay();
  info(`starting the engine (${spec.device === "auto" ? (device ?? "auto") : spec.device})...`);
  const worker = await EngineWorker.start({ device });
  // Ctrl-C: the worker stops the run cleanly (no partial outputs) and the command fails with "interrupted".
  const onSigint = () => worker.interrupt();
  process.once("SIGINT", onSigint);
  try {
    return await worker.run(spec, (e) => bar.update(e), { timeoutMs });
  } finally {
    process.off("SIGINT", onSigint);
    bar.stop();
    await worker.shutdown();
  }
}

/** The same run through torchrun: `nproc` processes, progress from rank 0. */
async function trainDistributed(
  spec: RunSpec,
  nproc: number,
  device: "auto" | "cpu" | "cuda" | undefined,
  timeoutMs: number | undefined,
): Promise<RunResult> {
  const bar = new ProgressDisplay();
  info(`starting ${nproc} engine processes with torchrun...`);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    return await runDistributed(spec, {
      nproc,
      device,
      timeoutMs,
      signal: abort.signal,
      onEvent: (e) => bar.update(e),
    });
  } finally {
    process.off("SIGINT", onSigint);
    bar.stop();
  }
}

/** One progress bar per phase on stderr; warnings and logs printed above it. */
class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private phase: string | null = null;

  update(e: EngineEvent): void {
    if (e.type === "warning" || e.type === "log") {
      if (this.bar) this.bar.stop();
      this.bar = null;
      this.phase = null;
      info(`${e.type === "warning" ? "warning: " : ""}${e.message}`);
      return;
    }
    if (e.type !== "progress") return;
    if (e.phase !== this.phase) {
      this.bar?.stop();
      this.phase = e.phase;
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${e.phase.padEnd(8)} |{bar}| {value}/{total} {details} eta {eta_text}`,
          hideCursor: true,
          // In logs (no TTY) the bar is printed as a line every few seconds instead of redrawn.
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(e.total_steps, 0, { details: "", eta_text: "?" });
    }
    const details = [
      e.epoch !== undefined ? `epoch ${e.epoch.toFixed(2)}` : "",
      e.loss !== undefined ? `loss ${e.loss.toFixed(4)}` : "",
      e.samples_per_s !== undefined ? `${e.samples_per_s.toFixed(1)} samples/s` : "",
    ]
      .filter(Boolean)
      .join("  ");
    this.bar?.update(e.step, { details, eta_text: e.eta_s === undefined ? "?" : `${Math.round(e.eta_s)}s` });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

function printSummary(result: RunResult): void {
  const s = result.stats as {
    device?: string;
    precision?: string;
    train?: { examples: number; steps: number; final_loss: number | null };
    eval?: { examples: number };
    timings?: { total_s: number };
  };
  const lines = [`run ${result.run_id} done on ${s.device} (${s.precision})`];
  if (s.train)
    lines.push(
      `  trained on ${s.train.examples} examples, ${s.train.steps} steps, final loss ${s.train.final_loss?.toFixed(4)}`,
    );
  if (s.eval) lines.push(`  generated ${s.eval.examples} predictions`);
  for (const [name, path] of Object.entries(result.outputs)) lines.push(`  ${name}: ${path}`);
  if (s.timings) lines.push(`  ${s.timings.total_s.toFixed(1)} s in all`);
  process.stdout.write(lines.join("\n") + "\n");
}

function processes(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`--nproc ${text}: expected a whole number of processes, at least 1`);
  return n;
}

function seconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new UserError(`--timeout ${text}: expected a positive number of seconds`);
  return n;
}
