import { z } from "zod";
import { BudgetSchema } from "../data/budget.js";

/**
 * The `search` block of a study (issue 17): which arms' budgets are searched, against which target, within
 * which range. Only zod and the budget grammar here, so the study spec can take this block without a cycle.
 */

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
  message: "expected an arm name (letters, digits, '_', '.', '-')",
});

const Budget = BudgetSchema;

/** A measured score of the study: an arm's runs in a setting at a budget (eval: no budget). */
export const RunRef = z
  .strictObject({
    arm: Name,
    setting: z.enum(["stl", "mtl", "eval"]),
    budget: Budget.optional(),
  })
  .superRefine((ref, ctx) => {
    if (ref.setting === "eval" && ref.budget !== undefined)
      ctx.addIssue({ code: "custom", path: ["budget"], message: "an eval (zero-shot) score has no budget" });
    if (ref.setting !== "eval" && ref.budget === undefined)
      ctx.addIssue({ code: "custom", path: ["budget"], message: `required for ${ref.setting} (e.g. all)` });
  });
export type RunRef = z.infer<typeof RunRef>;

const ScoreTarget = z.strictObject({ score: z.number().finite() });
const ShareTarget = z.strictObject({
  share_of: RunRef,
  share: z.number().gt(0, { message: "expected a share in (0, 1], e.g. 0.95" }).max(1, {
    message: "expected a share in (0, 1], e.g. 0.95",
  }),
});

export type SearchTargetSpec = RunRef | z.infer<typeof ScoreTarget> | z.infer<typeof ShareTarget>;

const TARGET_FORMS = "{arm, setting, budget}, {score: S} or {share_of: {arm, setting, budget}, share: P}";

/**
 * The target's form is read from its keys (score, share_of, else a run), so a mistake gets the message of
 * the form the user meant rather than zod's "no union member matched".
 */
const Target = z.unknown().transform((value, ctx): SearchTargetSpec => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: `expected one of ${TARGET_FORMS}` });
    return z.NEVER;
  }
  const schema = "score" in value ? ScoreTarget : "share_of" in value ? ShareTarget : RunRef;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({
      code: "custom",
      path: issue.path,
      message:
        issue.code === "unrecognized_keys"
          ? `unknown field ${issue.keys.join(", ")} (a target is ${TARGET_FORMS})`
          : issue.message,
    });
  return z.NEVER;
});

export const MAX_SEARCH_ROUNDS = 50;

export const SearchSpec = z
  .strictObject({
    target: Target,
    /** Arms whose budgets are searched. */
    arms: z.array(Name).min(1),
    settings: z.array(z.enum(["stl", "mtl"])).min(1),
    /** true: each task gets its own budget (stl only), the question for a user's own task. */
    per_task: z.boolean().default(false),
    min_budget: z.number().int().positive().default(10),
    /** A count of examples per task, or `all` (the train split). */
    max_budget: z.union([z.number().int().positive(), z.literal("all")]).default("all"),
    /** Stop when the budget's 95 % interval is within +-tolerance of its estimate. */
    tolerance: z.number().gt(0).lt(1).default(0.25),
    /** Rounds, round 0 included: rounds 0 and 1 measure the three budgets the first fit needs. */
    max_rounds: z.number().int().min(3).max(MAX_SEARCH_ROUNDS).default(6),
  })
  .superRefine((s, ctx) => {
    if (typeof s.max_budget === "number" && s.max_budget <= s.min_budget)
      ctx.addIssue({
        code: "custom",
        path: ["max_budget"],
        message: `must be above min_budget (${s.min_budget}), or all`,
      });
    if (new Set(s.arms).size !== s.arms.length)
      ctx.addIssue({ code: "custom", path: ["arms"], message: "lists an arm twice" });
    if (new Set(s.settings).size !== s.settings.length)
      ctx.addIssue({ code: "custom", path: ["settings"], message: "lists a setting twice" });
    if (s.per_task && s.settings.some((x) => x !== "stl"))
      ctx.addIssue({
        code: "custom",
        path: ["settings"],
        message: "per_task: true searches each task's own (stl) curve: settings must be [stl]",
      });
  });
export type SearchSpec = z.infer<typeof SearchSpec>;
export type SearchSpecInput = z.input<typeof SearchSpec>;

/** What checkSearchAgainst needs of a study: its arms (structural, so this file imports no spec). */
interface ArmsOf {
  arms: readonly { name: string; settings: readonly string[] }[];
}

/**
 * The block against the study's arms: every searched arm has every searched setting, the target's arm has
 * the target's setting, and the target is not itself a searched curve. Returns [path, message] pairs.
 */
export function checkSearchAgainst(search: SearchSpec, study: ArmsOf): [(string | number)[], string][] {
  const problems: [(string | number)[], string][] = [];
  const byName = new Map(study.arms.map((a) => [a.name, a]));
  search.arms.forEach((name, i) => {
    const arm = byName.get(name);
    if (!arm) problems.push([["arms", i], `"${name}" is not an arm of this study`]);
    else
      for (const setting of search.settings)
        if (!arm.settings.includes(setting))
          problems.push([
            ["arms", i],
            `arm "${name}" has no ${setting} setting (its settings: ${arm.settings.join(", ")})`,
          ]);
  });
  const ref =
    "share_of" in search.target ? search.target.share_of : "arm" in search.target ? search.target : null;
  if (ref) {
    const path = "share_of" in search.target ? ["target", "share_of"] : ["target"];
    const arm = byName.get(ref.arm);
    if (!arm) problems.push([[...path, "arm"], `"${ref.arm}" is not an arm of this study`]);
    else if (!arm.settings.includes(ref.setting))
      problems.push([[...path, "setting"], `arm "${ref.arm}" has no ${ref.setting} setting`]);
    if (search.arms.includes(ref.arm) && (search.settings as string[]).includes(ref.setting))
      problems.push([path, `the target ${ref.arm} ${ref.setting} is itself a searched curve`]);
  }
  return problems;
}
