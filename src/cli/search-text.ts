// What `plan`, `run` and `status` print of an adaptive budget search (the search itself: analysis/search).
import type { SearchRecord } from "../runner/index.js";
import type { Plan } from "../study/plan.js";
import { DEFAULT_SAMPLES_PER_S } from "../study/summary.js";
import type { MeasuredThroughput } from "../study/throughput.js";

/** `status --json`'s "search": every searched curve's round and state ("running" until it stops). */
export function searchStatus(record: SearchRecord) {
  return record.curves.map((c) => ({
    arm: c.arm,
    setting: c.setting,
    scope: c.task ?? "overall",
    round: c.round,
    state: c.state,
  }));
}

/** What `quicklearn plan` adds for a searched study: what round 0 is, and the most the search can cost. */
export function searchPlanText(
  plan: Plan,
  record: SearchRecord,
  samplesPerS: number | undefined,
  measured: MeasuredThroughput | null,
): string {
  const rate = samplesPerS ?? measured?.samples_per_s ?? DEFAULT_SAMPLES_PER_S;
  const w = record.worst_case;
  const hours = w.train_sample_passes / rate / 3600;
  const n = record.curves.length;
  return [
    "",
    `search: the runs above are round 0: the target's (${record.target}) and the starting design of ` +
      `${n} searched curve${n === 1 ? "" : "s"} (${[...new Set(record.rounds.map((r) => r.budget))].join(", ")} per task);`,
    `  each later round runs one budget per curve still searching, chosen from the results so far`,
    `worst case (max_rounds ${record.max_rounds}, no curve past the dense grid's cost): at most ${w.runs.toLocaleString("en-US")} runs ` +
      `(round 0: ${plan.totals.runs.toLocaleString("en-US")}), ${w.train_sample_passes.toLocaleString("en-US")} training sample passes, ` +
      `~${hours.toFixed(1)} training GPU-hours at ${rate} samples/s per GPU`,
  ].join("\n");
}

/** One line per searched curve for the end of `run`: where it stopped, its budget and interval, its cost. */
export function searchOutcome(record: SearchRecord): string[] {
  const n = (x: number | null) => (x === null ? "never" : x.toFixed(x < 10 ? 1 : 0));
  return record.curves.map((c) => {
    const where = `search ${[c.arm, c.setting, c.task ?? "overall"].join(" ")}`;
    if (c.state === "running") return `${where}: round ${c.round}, running`;
    const interval = c.ci ? ` (95 % interval ${n(c.ci[0])} to ${n(c.ci[1])})` : "";
    const answer =
      c.budget === null
        ? `${record.target} not reached by the fitted curve${interval}`
        : `${record.target} reached at ${n(c.budget)} per task${interval}`;
    const cost = `${c.train_sample_passes.toLocaleString("en-US")} training sample passes (the dense grid: ${c.grid_train_sample_passes.toLocaleString("en-US")})`;
    return `${where}: ${c.state} after ${c.round + 1} rounds: ${answer}; ${cost}`;
  });
}
