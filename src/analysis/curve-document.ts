/**
 * `quicklearn curve DIR`: the fitted learning curves of a study, chosen by arm, setting and scope, and the
 * questions asked of them (budget for a score, for a baseline's score or a share of it; score at a
 * budget). The same rows as `curve --points`, with intervals from the study's own bootstrap resamples.
 */
import { studyBudgetAxis } from "./analyze.js";
import { Bootstrap, DEFAULT_BOOTSTRAP, type BootstrapOptions } from "./bootstrap.js";
import { baselineQuery } from "./curve-rows.js";
import {
  atRow,
  fitRow,
  targetRow,
  type CurveDocument,
  type CurveFamily,
  type CurveScope,
} from "./curves/index.js";
import { REPORT_GROUPS } from "./groups.js";
import { curveSeries, fitStudyCurves, type UnfittedCurve } from "./study-curves.js";
import { buildResultsTable, type ResultsTable } from "./table.js";
import type { StudyResults } from "./types.js";
import { UserError } from "../util/errors.js";

/** A condition of the study named as on the command line: `ARM:SETTING:BUDGET` (e.g. `B3:stl:all`). */
export interface ConditionName {
  arm: string;
  setting: string;
  budget: string;
}

export interface StudyCurveRequest {
  arm?: string;
  setting?: string;
  /** A report group or a task (default: overall). */
  scope?: string;
  family: CurveFamily;
  level: number;
  targets: readonly number[];
  at: readonly number[];
  /** Budget to reach this condition's score (`share` of it with shareOf). */
  match?: ConditionName;
  shareOf?: ConditionName;
  share?: number;
  bootstrap?: BootstrapOptions;
}

export interface StudyCurveDocument extends CurveDocument {
  /** Curves asked for that have no fit, with why. */
  unfitted: UnfittedCurve[];
}

export function studyCurveDocument(study: StudyResults, request: StudyCurveRequest): StudyCurveDocument {
  const table = buildResultsTable(study);
  const boot = new Bootstrap(table, request.bootstrap ?? DEFAULT_BOOTSTRAP);
  const axis = studyBudgetAxis(study, table);
  const scope = request.scope ?? "overall";
  checkRequest(study, table, request, scope);
  const wanted = (s: CurveScope) =>
    s.scope === scope &&
    (request.arm === undefined || s.arm === request.arm) &&
    (request.setting === undefined || s.setting === request.setting);
  const fitted = fitStudyCurves(table, boot, axis, {
    family: request.family,
    level: request.level,
    scopes: wanted,
  });
  const baseline = request.match ?? request.shareOf;
  const baselineIndex = baseline === undefined ? -1 : conditionIndex(table, baseline);
  const share = request.shareOf ? request.share! : 1;
  return {
    fits: fitted.curves.map((c) =>
      fitRow(c.scope, c.curve, c.resamples, request.level, c.method, c.backtest),
    ),
    queries: fitted.curves.flatMap((c) => [
      ...request.targets.map((t) => targetRow(c.scope, c.curve, c.resamples, t, request.level)),
      ...(baselineIndex >= 0
        ? [baselineQuery(c, table, boot, baselineIndex, share, request.level)].flatMap((q) => q ?? [])
        : []),
      ...request.at.map((x) => atRow(c.scope, c.curve, c.resamples, x, request.level, c.noise)),
    ]),
    unfitted: fitted.unfitted,
  };
}

/** `B3:stl:all` -> its parts; a malformed name is a UserError naming the flag. */
export function parseConditionName(flag: string, text: string): ConditionName {
  const parts = text.split(":");
  if (parts.length !== 3 || parts.some((p) => p.trim() === ""))
    throw new UserError(
      `${flag} ${JSON.stringify(text)}: expected ARM:SETTING:BUDGET`,
      "e.g. B3:stl:all (an arm of the study, stl or mtl, one of its budgets)",
    );
  const [arm, setting, budget] = parts.map((p) => p.trim()) as [string, string, string];
  return { arm, setting, budget };
}

function checkRequest(study: StudyResults, table: ResultsTable, r: StudyCurveRequest, scope: string): void {
  const arms = study.arms.map((a) => a.name);
  if (r.arm !== undefined && !arms.includes(r.arm))
    throw new UserError(`--arm ${r.arm}: the study has no such arm`, `its arms: ${arms.join(", ")}`);
  if (r.setting !== undefined && r.setting !== "stl" && r.setting !== "mtl")
    throw new UserError(`--setting ${r.setting}: learning curves are stl or mtl`);
  const groups: readonly string[] = REPORT_GROUPS;
  if (scope !== "overall" && !groups.includes(scope) && !table.tasks.some((t) => t.name === scope))
    throw new UserError(
      `${scope}: neither a report group nor a task the study scored`,
      `groups: ${REPORT_GROUPS.join(", ")}; tasks are those of results.csv`,
    );
  if (curveSeries(table, studyBudgetAxis(study, table)).length === 0)
    throw new UserError(
      `${study.dir}: no finished runs trained at a budget yet, so there is no curve to fit`,
      "run the study (or more of it) first",
    );
  for (const [flag, name] of [
    ["--match", r.match],
    ["--share-of", r.shareOf],
  ] as const)
    if (name) conditionIndex(table, name, flag);
}

function conditionIndex(table: ResultsTable, name: ConditionName, flag = "--match"): number {
  const i = table.conditions.findIndex(
    (c) => c.arm === name.arm && c.setting === name.setting && (c.budget ?? "-") === name.budget,
  );
  if (i < 0)
    throw new UserError(
      `${flag} ${name.arm}:${name.setting}:${name.budget}: no scored condition of the study is named so`,
      `scored: ${table.conditions.map((c) => `${c.arm}:${c.setting}:${c.budget ?? "-"}`).join(", ")}`,
    );
  return i;
}
