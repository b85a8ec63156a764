import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EngineError } from "./errors.js";
import type { EngineEvent, RunResult } from "./events.js";
import { RunSpec, type RunSpecInput } from "./spec.js";
import { enginePython, spawnEngine } from "./process.js";
import { formatSpecIssues } from "./worker.js";

export interface DistributedRunOptions {
  /** Processes on this machine: one per GPU (NCCL), or CPU processes (gloo) for a spec on the CPU. */
  nproc: number;
  /** Default device for a spec that says "auto". */
  device?: "auto" | "cpu" | "cuda";
  /** Rank 0's events: progress, log, warning, checkpoint, done, error. */
  onEvent?: (e: EngineEvent) => void;
  /** Stop the run after this long (SIGTERM to torchrun, SIGKILL after a grace period): code "timeout". */
  timeoutMs?: number;
  /** Aborting stops the run as Ctrl-C would: code "interrupted". */
  signal?: AbortSignal;
  python?: string;
  env?: Record<string, string>;
  /** Several machines: how they meet, and how their torchruns start (e.g. one per node through srun). */
  multiNode?: MultiNode;
  /** torchrun's pid once it started, undefined once it exited (a study's locks record it). */
  onProcess?: (pid: number | undefined) => void;
}

/** torchrun's static rendezvous: every node's rank and rank 0's address (values may be shell references). */
export interface Rendezvous {
  nodes: number;
  nodeRank: string;
  masterAddr: string;
  masterPort: string;
}

export interface MultiNode {
  rendezvous: Rendezvous;
  /** A folder every node sees: the spec file is written there. */
  specDir: string;
  /** The command line that starts the torchrun command (Python first) on every node. */
  wrap: (torchrun: string[]) => string[];
}

const KILL_GRACE_MS = 15_000;

/**
 * The torchrun command line (after the Python executable) for one data-parallel run: on this machine
 * (`--standalone`), or on several with a static rendezvous. torchrun is started as
 * `python -m torch.distributed.run`, so it is the venv's own torchrun.
 */
export function torchrunArgs(
  specFile: string,
  nproc: number,
  device?: "auto" | "cpu" | "cuda",
  rendezvous?: Rendezvous,
): string[] {
  const meet = rendezvous
    ? [
        `--nnodes=${rendezvous.nodes}`,
        `--node_rank=${rendezvous.nodeRank}`,
        `--master_addr=${rendezvous.masterAddr}`,
        `--master_port=${rendezvous.masterPort}`,
      ]
    : ["--standalone"];
  return [
    "-m",
    "torch.distributed.run",
    ...meet,
    `--nproc_per_node=${nproc}`,
    "-m",
    "quicklearn_engine.launch",
    "--spec",
    specFile,
    ...(device ? ["--device", device] : []),
  ];
}

/**
 * One run trained by `nproc` data-parallel processes (DDP, docs/engine.md "Multi-GPU"), without the
 * JSON-lines worker: torchrun starts `python -m quicklearn_engine.launch` per process and rank 0 reports.
 */
export async function runDistributed(spec: RunSpecInput, opts: DistributedRunOptions): Promise<RunResult> {
  if (!Number.isInteger(opts.nproc) || opts.nproc < 1) {
    throw new EngineError("bad_request", `nproc ${opts.nproc}: expected a whole number of processes >= 1`);
  }
  const parsed = RunSpec.safeParse(spec);
  if (!parsed.success) throw new EngineError("bad_spec", formatSpecIssues(parsed.error));
  const python = enginePython(opts.python);
  const multi = opts.multiNode;
  const dir = await mkdtemp(join(multi?.specDir ?? tmpdir(), "quicklearn-launch-"));
  try {
    const specFile = join(dir, "spec.json");
    await writeFile(specFile, JSON.stringify(parsed.data));
    const torchrun = [python, ...torchrunArgs(specFile, opts.nproc, opts.device, multi?.rendezvous)];
    const [command, ...rest] = multi ? multi.wrap(torchrun) : torchrun;
    return await spawnTorchrun(command!, rest, opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function spawnTorchrun(python: string, args: string[], opts: DistributedRunOptions): Promise<RunResult> {
  let last: EngineEvent | null = null;
  let rankError: RankError | null = null;
  let stoppedBy: "timeout" | "interrupted" | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const { child, stderrSummary } = spawnEngine(python, args, {
    env: opts.env,
    stdin: "ignore",
    onEvent: (event) => {
      if (event.type === "done" || event.type === "error") last = event;
      opts.onEvent?.(event);
    },
    onStderr: (line) => (rankError ??= parseRankError(line)),
  });
  opts.onProcess?.(child.pid);

  // torchrun passes SIGTERM on to every rank; each stops cleanly and rank 0 reports "interrupted".
  const stop = (why: "timeout" | "interrupted") => {
    if (child.exitCode !== null || stoppedBy) return;
    stoppedBy = why;
    child.kill("SIGTERM");
    killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
  };
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => stop("timeout"), opts.timeoutMs);
  const onAbort = () => stop("interrupted");
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  return new Promise<RunResult>((resolve, reject) => {
    child.once("error", (e) =>
      reject(new EngineError("worker_start_failed", `cannot start ${python}: ${e.message}`)),
    );
    child.once("close", (code, signal) => {
      opts.onProcess?.(undefined);
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      const end = last as EngineEvent | null;
      const other = rankError as RankError | null;
      if (stoppedBy === "timeout") {
        reject(new EngineError("timeout", `run stopped after its time limit of ${(opts.timeoutMs ?? 0) / 1000} s`));
      } else if (end?.type === "done" && code === 0) {
        resolve({ run_id: end.run_id, outputs: end.outputs, stats: end.stats });
      } else if (end?.type === "error" && !(end.code === "interrupted" && stoppedBy === null)) {
        // (An "interrupted" we did not ask for is torchrun stopping rank 0 because another rank failed.)
        reject(new EngineError(end.code, end.message, undefined, end.traceback));
      } else if (other && stoppedBy === null) {
        reject(new EngineError(other.code, `rank ${other.rank}: ${other.message}`));
      } else {
        reject(
          new EngineError(
            stoppedBy === "interrupted" ? "interrupted" : "worker_exited",
            `torchrun exited (${signal ? `signal ${signal}` : `code ${code}`}) before the run finished` +
              stderrSummary(),
          ),
        );
      }
    });
  });
}

interface RankError {
  rank: number;
  code: string;
  message: string;
}

/** A non-zero rank's failure, as engine/quicklearn_engine/launch.py prints it on stderr. */
function parseRankError(line: string): RankError | null {
  const m = /^\[rank (\d+)\] error (\{.*\})$/.exec(line);
  if (!m) return null;
  try {
    const body = JSON.parse(m[2]!) as { code?: unknown; message?: unknown };
    return { rank: Number(m[1]), code: String(body.code ?? "internal"), message: String(body.message ?? "") };
  } catch {
    return null;
  }
}
