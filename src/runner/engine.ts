import { EngineError, EngineWorker, runDistributed } from "../engine/index.js";
import type { EngineEvent, EngineWorkerLike } from "./execute.js";
import type { StartEngine } from "./slots.js";
import type { StartDistributed } from "./mtl.js";

/** The real engine worker (src/engine's EngineWorker) behind the runner's small EngineWorkerLike type. */
export const startEngineWorker: StartEngine = async ({ device, env, onEvent }) => {
  const worker = await EngineWorker.start({ device, env, onEvent: (e) => onEvent(e as EngineEvent) });
  const adapted: EngineWorkerLike = {
    run: (spec, onRunEvent) => worker.run(spec, onRunEvent ? (e) => onRunEvent(e as EngineEvent) : undefined),
    shutdown: () => worker.shutdown(),
    kill: () => worker.kill(),
    get pid() {
      return worker.alive ? worker.pid : undefined;
    },
  };
  return adapted;
};

/**
 * An mtl run's "engine": each run() is one torchrun (src/engine's runDistributed) with `nproc` processes,
 * or on several nodes as `multiNode` says (SLURM's srun, given by the caller); kill() stops it as Ctrl-C
 * would ("interrupted"). There is no process to keep between runs, so shutdown() has nothing to do.
 */
export const startDistributedEngine: StartDistributed = ({ nproc, device, env, multiNode }) => {
  const stop = new AbortController();
  let pid: number | undefined;
  return {
    get pid() {
      return pid;
    },
    run: async (spec, onEvent) => {
      if (stop.signal.aborted) throw new EngineError("interrupted", "run stopped before it started");
      return runDistributed(spec, {
        nproc,
        device,
        env,
        signal: stop.signal,
        onEvent: onEvent ? (e) => onEvent(e as EngineEvent) : undefined,
        // The run's own folder holds the spec file: every node needs to see it anyway.
        multiNode: multiNode?.(spec.output_dir),
        onProcess: (p) => (pid = p),
      });
    },
    shutdown: async () => {},
    kill: () => stop.abort(),
  };
};
