import type { ChildProcess, ChildProcessWithoutNullStreams } from "node:child_process";
import { z } from "zod";
import { EngineError } from "./errors.js";
import type { EngineEvent, RunResult } from "./events.js";
import { enginePython, spawnEngine, type EngineProcess } from "./process.js";

import { RunSpec, type RunSpecInput } from "./spec.js";

export interface EngineWorkerOptions {
  /** Default device for specs that say "auto" (the spec's own "cpu"/"cuda" wins). */
  device?: "auto" | "cpu" | "cuda";
  /** Extra environment for the worker (e.g. CUDA_VISIBLE_DEVICES, QUICKLEARN_TORCH_THREADS). */
  env?: Record<string, string>;
  /** Sees every event of every request. */
  onEvent?: (e: EngineEvent) => void;
  /** Python to run; default: the project's venv (venvPython()). */
  python?: string;
  /** How long Python may take to import torch and say "ready" (default 180 s). */
  startTimeoutMs?: number;
}

export interface RunOptions {
  /** Stop the run after this long: SIGINT, then SIGKILL after a grace period; rejects with code "timeout". */
  timeoutMs?: number;
}

type Terminal = Extract<EngineEvent, { type: "done" | "error" | "loaded" | "bye" }>;

interface Pending {
  id: number;
  onEvent?: (e: EngineEvent) => void;
  resolve: (e: Terminal) => void;
  reject: (e: Error) => void;
}

const KILL_GRACE_MS = 15_000;

/**
 * The Python engine as a child process speaking JSON lines. One worker serves many runs, one at a
 * time (calls queue): the base model stays loaded and is restored in memory between runs.
 */
export class EngineWorker {
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitPromise: Promise<void>;
  /** The worker's "ready" event: library versions, CUDA availability. */
  ready!: Extract<EngineEvent, { type: "ready" }>;

  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderrSummary: () => string;

  private constructor(
    proc: EngineProcess<ChildProcess>,
    private readonly onEvent?: (e: EngineEvent) => void,
  ) {
    // spawnEngine gave the worker a stdin pipe.
    this.child = proc.child as ChildProcessWithoutNullStreams;
    this.stderrSummary = proc.stderrSummary;
    const child = this.child;
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exited = { code, signal };
        const p = this.pending;
        this.pending = null;
        p?.reject(
          new EngineError(
            "worker_exited",
            `engine worker exited (${signal ? `signal ${signal}` : `code ${code}`}) during a request${this.stderrSummary()}`,
          ),
        );
        resolve();
      });
    });
  }

  /** Spawn the worker in the project's venv and wait until it has imported torch and said "ready". */
  static async start(opts: EngineWorkerOptions = {}): Promise<EngineWorker> {
    const python = enginePython(opts.python);
    // Events can only arrive once the worker object exists (after this synchronous block).
    const to: { worker?: EngineWorker } = {};
    const proc = spawnEngine(python, ["-m", "quicklearn_engine.worker"], {
      env: { QUICKLEARN_DEVICE: opts.device ?? "auto", ...opts.env },
      stdin: "pipe",
      onEvent: (e) => to.worker?.onEngineEvent(e),
    });
    const child = proc.child;
    const worker = (to.worker = new EngineWorker(proc, opts.onEvent));
    const spawnError = new Promise<never>((_, reject) =>
      child.once("error", (e) => reject(new EngineError("worker_start_failed", `cannot start ${python}: ${e.message}`))),
    );
    const ready = new Promise<Extract<EngineEvent, { type: "ready" }>>((resolve, reject) => {
      worker.pending = {
        id: 0,
        resolve: (e) => resolve(e as unknown as Extract<EngineEvent, { type: "ready" }>),
        reject,
      };
    });
    const timeoutMs = opts.startTimeoutMs ?? 180_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new EngineError("worker_start_failed", `engine worker not ready after ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    try {
      worker.ready = await Promise.race([ready, spawnError, timeout]);
      worker.pending = null;
    } catch (e) {
      worker.kill();
      if (e instanceof EngineError && e.code === "worker_exited") {
        throw new EngineError("worker_start_failed", `engine worker failed to start${worker.stderrSummary()}`);
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return worker;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exited === null;
  }

  /** Train and/or generate as the spec says; resolves when the outputs are written. */
  run(spec: RunSpecInput, onEvent?: (e: EngineEvent) => void, opts: RunOptions = {}): Promise<RunResult> {
    const parsed = RunSpec.safeParse(spec);
    if (!parsed.success) return Promise.reject(new EngineError("bad_spec", formatSpecIssues(parsed.error)));
    return this.request({ type: "run", spec: parsed.data }, onEvent, opts.timeoutMs).then((e) => {
      const done = e as Extract<EngineEvent, { type: "done" }>;
      return { run_id: done.run_id, outputs: done.outputs, stats: done.stats };
    });
  }

  /** Load (or keep) a base model ahead of the first run, e.g. to time loading separately. */
  async loadModel(model: string, initFrom: string | null = null, device?: "auto" | "cpu" | "cuda"): Promise<void> {
    await this.request({ type: "load_model", model, init_from: initFrom, device });
  }

  /** Ask the worker to stop what it is doing (as Ctrl-C would): the current run fails with "interrupted". */
  interrupt(): void {
    if (this.alive) this.child.kill("SIGINT");
  }

  /** Finish cleanly: the worker exits after the current request. */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    if (!this.alive) return;
    await this.queue.catch(() => undefined);
    if (!this.alive) return;
    this.child.stdin.write(JSON.stringify({ type: "shutdown" }) + "\n");
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** Stop at once (SIGKILL); a pending run rejects with "worker_exited". */
  kill(): void {
    if (this.alive) this.child.kill("SIGKILL");
  }

  private request(
    body: Record<string, unknown>,
    onEvent?: (e: EngineEvent) => void,
    timeoutMs?: number,
  ): Promise<Terminal> {
    const result = this.queue.then(() => this.send(body, onEvent, timeoutMs));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private send(body: Record<string, unknown>, onEvent?: (e: EngineEvent) => void, timeoutMs?: number): Promise<Terminal> {
    if (!this.alive) {
      return Promise.reject(new EngineError("worker_exited", `engine worker is not running${this.stderrSummary()}`));
    }
    const id = this.nextId++;
    return new Promise<Terminal>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const finish = () => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        if (this.pending?.id === id) this.pending = null;
      };
      this.pending = {
        id,
        onEvent,
        resolve: (e) => {
          if (timedOut) {
            // The worker exits after an interrupt: report the timeout once it is gone.
            this.pending = null;
            void this.exitPromise.then(() => {
              finish();
              reject(toEngineError(e as { code: string; message: string }, true, timeoutMs));
            });
            return;
          }
          finish();
          if (e.type === "error") reject(toEngineError(e, false, timeoutMs));
          else resolve(e);
        },
        reject: (err) => {
          finish();
          reject(timedOut ? toEngineError({ code: "timeout", message: "" }, true, timeoutMs) : err);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          this.interrupt();
          killTimer = setTimeout(() => this.kill(), KILL_GRACE_MS);
        }, timeoutMs);
      }
      this.child.stdin.write(JSON.stringify({ ...body, id }) + "\n");
    });
  }

  private onEngineEvent(event: EngineEvent): void {
    this.onEvent?.(event);
    const p = this.pending;
    if (!p) return;
    p.onEvent?.(event);
    if (event.type === "ready" && p.id === 0) p.resolve(event as unknown as Terminal);
    const terminal = event.type === "done" || event.type === "error" || event.type === "loaded" || event.type === "bye";
    if (terminal && (event as { id?: unknown }).id === p.id) p.resolve(event as Terminal);
  }

}

function toEngineError(e: { code: string; message: string; traceback?: string }, timedOut: boolean, timeoutMs?: number) {
  if (timedOut) return new EngineError("timeout", `run stopped after its time limit of ${(timeoutMs ?? 0) / 1000} s`);
  return new EngineError(e.code, e.message, undefined, e.traceback);
}

/** One line naming each bad field, e.g. "invalid run spec: train.learning_rate: Too small: expected number to be >0". */
export function formatSpecIssues(error: z.ZodError): string {
  const parts = error.issues.map((i) => {
    const where = i.path.length ? i.path.join(".") : "(spec)";
    return `${where}: ${i.message}`;
  });
  return `invalid run spec: ${parts.join("; ")}`;
}
