import { join } from "node:path";
import { z } from "zod";
import { readJsonFile } from "../util/fs.js";
import { assetsDir } from "../util/paths.js";
import { UserError } from "../util/errors.js";
import { REPORT_GROUPS, type ReportGroup } from "./groups.js";

const BudgetMap = z.record(z.string(), z.number());

const ThesisResultsSchema = z.object({
  source: z.string(),
  dataset: z.object({
    test_tasks: z.number(),
    train_instances: z.number(),
    /** Per budget, training instances per report group (in REPORT_GROUPS order). */
    budget_instances_by_group: z.record(z.string(), z.array(z.number())),
  }),
  overall: z.object({
    few_shot_no_finetuning: z.number(),
    stl: z.object({
      instruction_tuned: BudgetMap,
      baseline_1_prefinetuned_no_instructions_200: z.number(),
      baseline_2_base_1000: z.number(),
      baseline_3_base_all_supervised_sota: z.number(),
    }),
    mtl: z.object({
      instruction_tuned: BudgetMap,
      baseline_1_prefinetuned_no_instructions_200: z.number(),
      baseline_2_base_1000: z.number(),
    }),
  }),
  by_group_baselines: z.object({
    columns: z.array(z.string()),
    stl_baseline_1: z.array(z.number()),
    stl_baseline_2: z.array(z.number()),
    stl_baseline_3: z.array(z.number()),
    mtl_baseline_1: z.array(z.number()),
    mtl_baseline_2: z.array(z.number()),
  }),
  by_group_instruction_tuned_quoted: z.record(z.string(), z.record(z.string(), BudgetMap)),
  negative_cases_per_task: z.record(
    z.string(),
    z.union([
      z.string(),
      z.object({
        instruction_tuned: z.number().optional(),
        baseline: z.number().optional(),
        tokens: z.number().optional(),
      }),
    ]),
  ),
  claims: z.record(z.string(), z.unknown()),
});

export type ThesisResults = z.infer<typeof ThesisResultsSchema>;

export const THESIS_RESULTS_PATH = join(assetsDir, "reference", "thesis-results.json");

export async function loadThesisResults(path = THESIS_RESULTS_PATH): Promise<ThesisResults> {
  const parsed = ThesisResultsSchema.safeParse(await readJsonFile(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${path}: field ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** The thesis's published figures, looked up by the thesis preset's arm names (docs/report.md lists them). */
export class PublishedFigures {
  constructor(readonly thesis: ThesisResults) {}

  /** Mean per-task training instances under "all" in the thesis's data (its position on the budget axis). */
  get meanTrainAll(): number {
    return this.thesis.dataset.train_instances / this.thesis.dataset.test_tasks;
  }

  overall(arm: string, setting: string, budget: string | null): number | null {
    const o = this.thesis.overall;
    const s = setting === "stl" ? o.stl : setting === "mtl" ? o.mtl : null;
    if (arm === "zero-shot" && budget === null) return o.few_shot_no_finetuning;
    if (!s || budget === null) return null;
    if (arm === "inst") return s.instruction_tuned[budget] ?? null;
    if (arm === "B1" && budget === "200") return s.baseline_1_prefinetuned_no_instructions_200;
    if (arm === "B2" && budget === "1000") return s.baseline_2_base_1000;
    if (arm === "B3" && budget === "all" && setting === "stl")
      return o.stl.baseline_3_base_all_supervised_sota;
    return null;
  }

  group(arm: string, setting: string, budget: string | null, group: ReportGroup): number | null {
    const g = this.thesis.by_group_baselines;
    const column = g.columns.indexOf(group);
    if (column === -1) return null;
    const row =
      setting === "stl"
        ? arm === "B1" && budget === "200"
          ? g.stl_baseline_1
          : arm === "B2" && budget === "1000"
            ? g.stl_baseline_2
            : arm === "B3" && budget === "all"
              ? g.stl_baseline_3
              : null
        : setting === "mtl"
          ? arm === "B1" && budget === "200"
            ? g.mtl_baseline_1
            : arm === "B2" && budget === "1000"
              ? g.mtl_baseline_2
              : null
          : null;
    if (row) return row[column] ?? null;
    if (arm === "inst" && budget !== null) {
      return this.thesis.by_group_instruction_tuned_quoted[setting]?.[group]?.[budget] ?? null;
    }
    return null;
  }
}

export { REPORT_GROUPS };
