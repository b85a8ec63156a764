import { EngineWorker } from "../engine/index.js";
import type { EngineEvent, EngineWorkerLike } from "./execute.js";
import type { StartEngine } from "./local.js";

/** The real engine worker (src/engine's EngineWorker) behind the runner's small EngineWorkerLike type. */
export const startEngineWorker: StartEngine = async ({ device, env, onEvent }) => {
  const worker = await EngineWorker.start({ device, env, onEvent: (e) => onEvent(e as EngineEvent) });
  const adapted: EngineWorkerLike = {
    run: (spec, onRunEvent) => worker.run(spec, onRunEvent ? (e) => onRunEvent(e as EngineEvent) : undefined),
    shutdown: () => worker.shutdown(),
    kill: () => worker.kill(),
  };
  return adapted;
};
