/**
 * The DAG scheduler: which run a free worker takes next. Pure bookkeeping (no I/O), so it is unit-tested
 * alone; the local executor drives it with real engine workers.
 *
 * Rules, in order:
 *  1. A run is ready when every run it depends on is done; a run whose dependency failed for good is blocked.
 *  2. Runs others depend on (pre-finetunes) go first: they unblock the most work.
 *  3. A worker keeps to its model group (runs of the same base model + starting point), so the model loads
 *     once for a whole series of single-task runs; it takes another group only when its own has nothing ready,
 *     preferring a group no other worker is on, so workers do not load the same model twice.
 *  4. Otherwise plan order.
 * A failed run goes back to the queue until it has failed `retries + 1` times, unless its failure is
 * deterministic (it would fail the same way again): then it fails at once. The rest of the DAG goes on.
 */

export interface SchedRun {
  id: string;
  depends_on: string[];
  /** Runs sharing a group load the same model (base model + pre-finetune they start from). */
  group: string;
}

export type SchedStatus = "waiting" | "running" | "done" | "failed" | "blocked";

export interface FailureRecord {
  id: string;
  error: string;
}

export class DagScheduler {
  private readonly runs = new Map<string, SchedRun>();
  private readonly order = new Map<string, number>();
  private readonly status = new Map<string, SchedStatus>();
  private readonly failures = new Map<string, number>();
  private readonly errors = new Map<string, string>();
  private readonly dependents = new Map<string, number>();
  /** Group -> number of workers currently running a run of it. */
  private readonly activeGroups = new Map<string, number>();

  constructor(
    runs: SchedRun[],
    /** Runs already done (skipped). */
    done: Iterable<string>,
    private readonly retries: number,
  ) {
    runs.forEach((r, i) => {
      this.runs.set(r.id, r);
      this.order.set(r.id, i);
      this.status.set(r.id, "waiting");
    });
    for (const id of done) if (this.status.has(id)) this.status.set(id, "done");
    for (const r of runs) {
      for (const d of r.depends_on) this.dependents.set(d, (this.dependents.get(d) ?? 0) + 1);
    }
  }

  /**
   * The next run for a worker whose last run was in `lastGroup`, or null when nothing is ready now; `allow`
   * leaves out ready runs this worker cannot take now (an mtl run while too few GPUs are free).
   */
  next(lastGroup: string | null, allow: (r: SchedRun) => boolean = () => true): SchedRun | null {
    const ready = [...this.runs.values()].filter((r) => this.isReady(r) && allow(r));
    if (ready.length === 0) return null;
    const rank = (r: SchedRun): [number, number, number, number] => [
      -(this.dependents.get(r.id) ?? 0),
      r.group === lastGroup ? 0 : 1,
      (this.activeGroups.get(r.group) ?? 0) > 0 ? 1 : 0,
      this.order.get(r.id)!,
    ];
    ready.sort((a, b) => compareTuples(rank(a), rank(b)));
    const run = ready[0]!;
    this.status.set(run.id, "running");
    this.activeGroups.set(run.group, (this.activeGroups.get(run.group) ?? 0) + 1);
    return run;
  }

  /** Record the end of a run taken with next(); returns what becomes of it. */
  finish(
    id: string,
    outcome: "done" | "failed" | "interrupted" | "busy",
    error?: string,
    deterministic = false,
  ): SchedStatus {
    const run = this.runs.get(id)!;
    this.activeGroups.set(run.group, (this.activeGroups.get(run.group) ?? 1) - 1);
    if (outcome === "done") {
      this.status.set(id, "done");
    } else if (outcome === "failed") {
      const n = deterministic ? this.retries + 1 : (this.failures.get(id) ?? 0) + 1;
      this.failures.set(id, n);
      this.errors.set(id, error ?? "failed");
      this.status.set(id, n > this.retries ? "failed" : "waiting");
      if (n > this.retries) this.blockDependents(id);
    } else {
      // Interrupted, or another process is on it: leave it for a later invocation.
      this.status.set(id, "blocked");
    }
    return this.status.get(id)!;
  }

  /** Whether the run will be retried after one more failure (for the store: failed vs pending). */
  isLastAttempt(id: string): boolean {
    return (this.failures.get(id) ?? 0) >= this.retries;
  }

  /** True when nothing is running and nothing is ready: the DAG is as far as it can go. */
  get finished(): boolean {
    for (const r of this.runs.values()) {
      const s = this.status.get(r.id);
      if (s === "running" || this.isReady(r)) return false;
    }
    return true;
  }

  counts(): Record<SchedStatus, number> {
    const c: Record<SchedStatus, number> = { waiting: 0, running: 0, done: 0, failed: 0, blocked: 0 };
    for (const s of this.status.values()) c[s]++;
    return c;
  }

  statusOf(id: string): SchedStatus | undefined {
    return this.status.get(id);
  }

  failed(): FailureRecord[] {
    return [...this.status]
      .filter(([, s]) => s === "failed")
      .map(([id]) => ({ id, error: this.errors.get(id)! }));
  }

  private isReady(r: SchedRun): boolean {
    if (this.status.get(r.id) !== "waiting") return false;
    return r.depends_on.every((d) => this.status.get(d) === "done" || !this.status.has(d));
  }

  private blockDependents(id: string): void {
    for (const r of this.runs.values()) {
      if (r.depends_on.includes(id) && this.status.get(r.id) === "waiting") {
        this.status.set(r.id, "blocked");
        this.blockDependents(r.id);
      }
    }
  }
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
