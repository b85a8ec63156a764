/** Events the engine worker sends, one JSON object per stdout line (docs/engine.md, "Protocol"). */

export interface RunOutputs {
  predictions?: string;
  train_log?: string;
  stats: string;
  model_dir?: string;
}

export type ProgressEvent = {
  type: "progress";
  run_id: string;
  phase: "train" | "generate";
  /** Optimizer steps (train) or prompts done (generate). */
  step: number;
  total_steps: number;
  epoch?: number;
  loss?: number;
  lr?: number;
  samples_per_s?: number;
  eta_s?: number;
};

export type EngineEvent =
  | ProgressEvent
  | { type: "log" | "warning"; run_id?: string; message: string }
  | { type: "error"; run_id?: string; id?: unknown; code: string; message: string; traceback?: string }
  | { type: "done"; run_id: string; id?: unknown; outputs: RunOutputs; stats: Record<string, unknown> }
  | { type: "checkpoint"; run_id: string; step: number; path: string }
  | {
      type: "ready";
      pid: number;
      versions: Record<string, string | null>;
      cuda_available: boolean;
      cuda_devices: number;
    }
  | {
      type: "loaded";
      id?: unknown;
      model_type: string;
      device: string;
      load_s: number;
      restore_s: number;
      reused: boolean;
    }
  | { type: "bye"; id?: unknown };

export interface RunResult {
  run_id: string;
  outputs: RunOutputs;
  stats: Record<string, unknown>;
}

/** One stdout line of the engine as an event: blank lines are nothing, a line that is not JSON is a log. */
export function parseEventLine(line: string): EngineEvent | null {
  if (!line.trim()) return null;
  try {
    return JSON.parse(line) as EngineEvent;
  } catch {
    return { type: "log", message: line };
  }
}
