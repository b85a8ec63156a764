import cliProgress from "cli-progress";
import type { EngineEvent, RunOutcome } from "./execute.js";
import type { ExecutorEvents } from "./executor.js";
import { formatEta, WorkEta, type RunWork } from "./progress-eta.js";

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Least time between two progress lines of one worker when not on a terminal. */
  logEveryMs?: number;
  /** Milliseconds since the epoch (tests give their own clock). */
  now?: () => number;
}

/**
 * What `quicklearn run` shows on stderr: on a terminal an overall bar (runs done of total, ETA) and one line
 * per worker (run, step, loss, samples/s); elsewhere (CI, nohup, SLURM logs) plain timestamped lines, with
 * a worker's training progress at most every `logEveryMs`. The bar counts runs (what users count); the ETA
 * weighs them by their work (`work`: each run left to do, from the plan's volumes; see WorkEta).
 */
export class ProgressView implements ExecutorEvents {
  private readonly multi: cliProgress.MultiBar | null;
  private readonly overall: cliProgress.SingleBar | null;
  private readonly lines = new Map<string, cliProgress.SingleBar>();
  private readonly current = new Map<string, string>();
  private readonly lastLog = new Map<string, number>();
  private readonly stream: NodeJS.WriteStream;
  private readonly logEveryMs: number;
  private readonly now: () => number;
  private readonly eta: WorkEta;
  private done: number;
  private failed = 0;

  constructor(
    private readonly total: number,
    doneAtStart: number,
    work?: ReadonlyMap<string, RunWork>,
    opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.logEveryMs = opts.logEveryMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.eta = new WorkEta(work, total - doneAtStart, this.now);
    this.done = doneAtStart;
    if (this.stream.isTTY) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: this.stream,
          clearOnComplete: false,
          hideCursor: true,
          format: "{label}",
          autopadding: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.overall = this.multi.create(
        total,
        doneAtStart,
        { label: "", failed: 0, work_eta: this.etaText() },
        // cli-progress's own ETA extrapolates the run count: ours weighs runs by their work.
        { format: "runs  {bar} {value}/{total} | ETA {work_eta} | failed {failed}" },
      );
    } else {
      this.multi = null;
      this.overall = null;
      this.log(`${doneAtStart}/${total} runs done at start`);
    }
  }

  workerState(worker: string, state: "starting" | "idle" | "stopped"): void {
    if (state === "starting") this.workerLine(worker, `${worker}: starting the engine`);
    if (state === "stopped") this.workerLine(worker, `${worker}: stopped`);
  }

  runStarted(id: string, worker: string): void {
    this.current.set(worker, id);
    this.eta.started(id);
    if (this.multi) this.workerLine(worker, `${worker}: ${id}: loading`);
    else this.log(`${worker}: start ${id}`);
  }

  runEnded(id: string, worker: string, outcome: RunOutcome, willRetry: boolean): void {
    this.current.delete(worker);
    if (outcome.status === "done") this.done++;
    if (outcome.status === "failed" && !willRetry) this.failed++;
    this.eta.ended(id, workEnd(outcome, willRetry));
    this.overall?.update(this.done, { failed: this.failed, work_eta: this.etaText() });
    const what =
      outcome.status === "failed"
        ? `failed${willRetry ? " (will retry)" : ""}: ${outcome.error}`
        : outcome.status === "blocked"
          ? `not run: ${outcome.error}`
          : outcome.status;
    if (this.multi) {
      this.workerLine(worker, `${worker}: idle`);
      if (outcome.status === "failed") this.multi.log(`${id}: ${what}\n`);
    } else {
      this.log(`${worker}: ${id} ${what} (${this.done}/${this.total} done, ETA ${this.etaText()})`);
    }
  }

  engineEvent(worker: string, e: EngineEvent): void {
    if (e.type === "warning" && e.message) {
      if (this.multi) this.multi.log(`${worker}: warning: ${e.message}\n`);
      else this.log(`${worker}: warning: ${e.message}`);
      return;
    }
    if (e.type !== "progress") return;
    const id = e.run_id ?? this.current.get(worker) ?? "?";
    if (typeof e.step === "number" && typeof e.total_steps === "number") {
      this.eta.progress(id, e.phase, e.step, e.total_steps);
      this.overall?.update({ work_eta: this.etaText() });
    }
    const parts = [`${worker}: ${id}: ${e.phase ?? ""}`];
    if (e.step !== undefined) parts.push(`step ${e.step}${e.total_steps ? `/${e.total_steps}` : ""}`);
    if (typeof e.loss === "number") parts.push(`loss ${e.loss.toFixed(4)}`);
    if (typeof e.samples_per_s === "number") parts.push(`${e.samples_per_s.toFixed(1)} samples/s`);
    if (typeof e.eta_s === "number") parts.push(`eta ${Math.round(e.eta_s)} s`);
    const text = parts.join("  ");
    if (this.multi) {
      this.workerLine(worker, text);
    } else {
      const now = this.now();
      if (now - (this.lastLog.get(worker) ?? 0) >= this.logEveryMs) {
        this.lastLog.set(worker, now);
        this.log(`${text}  (study ETA ${this.etaText()})`);
      }
    }
  }

  note(message: string): void {
    if (this.multi) this.multi.log(message + "\n");
    else this.log(message);
  }

  stop(): void {
    this.multi?.stop();
  }

  private workerLine(worker: string, text: string): void {
    if (!this.multi) return;
    let bar = this.lines.get(worker);
    if (!bar) {
      bar = this.multi.create(1, 0, { label: text });
      this.lines.set(worker, bar);
    }
    bar.update(0, { label: text });
  }

  private etaText(): string {
    return formatEta(this.eta.seconds());
  }

  private log(message: string): void {
    this.stream.write(`[${new Date(this.now()).toISOString().slice(11, 19)}] ${message}\n`);
  }
}

/** How an outcome changes the work left: a run given up (or run by another process) leaves it too. */
function workEnd(outcome: RunOutcome, willRetry: boolean): "done" | "dropped" | "again" {
  if (outcome.status === "done") return "done";
  if (outcome.status === "interrupted" || willRetry) return "again";
  return "dropped";
}
