import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { z } from "zod";
import { BudgetSchema } from "../data/budget.js";
import { MAX_REPLICATES } from "../data/build.js";
import { ENCODINGS } from "../data/encodings.js";
import { EvalSpec, RunSpec, TrainFields } from "../engine/spec.js";
import { UserError } from "../util/errors.js";
import { checkSearchAgainst, SearchSpec } from "./search-spec.js";

/**
 * The study spec: what a user writes in STUDY.yaml (or what a preset expands to).
 * Every field is documented in docs/studies.md; the schema here is the single source of truth.
 */

const Budget = BudgetSchema;

export const SETTINGS = ["stl", "mtl", "prefinetune", "eval"] as const;
export type Setting = (typeof SETTINGS)[number];
export const ROLES = ["instruction-tuned", "baseline", "supervised", "zero-shot", "prefinetune"] as const;
export type Role = (typeof ROLES)[number];
/** The per-instance scores (runs/<id>/instance_scores.jsonl) a study may take as its headline metric. */
export const METRICS = ["rougeL", "rouge1", "exact_match"] as const;
export type Metric = (typeof METRICS)[number];

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
  // Names become parts of run ids and folder names: "..", ".x" or "a/b" would be paths.
  message: "expected a name that starts with a letter or digit and has only letters, digits, '_', '.', '-'",
});

/**
 * A study knob is an engine spec field (src/engine/spec.ts, the one declaration of every setting) without its
 * default: what a study leaves out, the engine's default fills in, and an arm's value overrides the study's.
 */
type Knobs<T extends z.ZodRawShape> = {
  [K in keyof T]: z.ZodOptional<T[K] extends z.ZodDefault<infer I> ? I : T[K]>;
};
function knobs<T extends z.ZodRawShape>(shape: T): Knobs<T> {
  return Object.fromEntries(
    Object.entries(shape).map(([k, v]) => [
      k,
      (v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType)).optional(),
    ]),
  ) as unknown as Knobs<T>;
}

/** Run-level engine fields a study sets beside the training ones (the rest are the planner's or the executor's). */
export const RUN_LEVEL_KNOBS = {
  max_source_length: true,
  max_target_length: true,
  precision: true,
  attention: true,
  compile: true,
} as const;

/**
 * Engine fields an arm sets beside its `encoding` (both say how the data reaches the model): `template: chat`
 * renders each example with the model's chat template.
 */
export const ARM_LEVEL_KNOBS = { template: true } as const;

/** Training and generation knobs; anything left out takes the thesis recipe (the engine spec's defaults). */
export const Hyperparameters = z.strictObject({
  // `files` come from the plan; `parallel` from `run --mtl-parallel` (how processes share a run).
  ...knobs(TrainFields.omit({ files: true, parallel: true }).shape),
  ...knobs(RunSpec.pick(RUN_LEVEL_KNOBS).shape),
});
export type Hyperparameters = z.infer<typeof Hyperparameters>;

export const Evaluation = z.strictObject({
  /** Scorer variant (src/metrics): `superni` = SuperNI's compute_metrics.py, `thesis` = the thesis's evaluation. */
  variant: z.enum(["superni", "thesis"]).default("superni"),
  /**
   * The headline metric of the analysis and the report (matching budgets, effects, curves). Every run scores
   * all three, so changing it reruns nothing.
   */
  metric: z.enum(METRICS).default("rougeL"),
  ...knobs(EvalSpec.omit({ files: true }).shape),
});

export const Arm = z
  .strictObject({
    name: Name,
    /** Human label for reports; defaults to the name. */
    label: z.string().min(1).optional(),
    role: z.enum(ROLES).optional(),
    /** Hub id (`org/name`) or local directory (absolute, or starting with ./ or ../: relative to the spec file). */
    model: z.string().min(1).optional(),
    /** Name of a `prefinetune` arm whose saved model this arm starts from (its base model is that arm's model). */
    from: Name.optional(),
    encoding: z.enum(ENCODINGS),
    ...knobs(RunSpec.pick(ARM_LEVEL_KNOBS).shape),
    settings: z.array(z.enum(SETTINGS)).min(1),
    budgets: z.array(Budget).min(1).optional(),
    hyperparameters: Hyperparameters.optional(),
  })
  .superRefine((arm, ctx) => {
    const s = new Set(arm.settings);
    if (s.size !== arm.settings.length)
      ctx.addIssue({ code: "custom", path: ["settings"], message: "lists a setting twice" });
    if (s.has("prefinetune") && s.size > 1)
      ctx.addIssue({
        code: "custom",
        path: ["settings"],
        message: "a prefinetune arm has the one setting [prefinetune]",
      });
    // Budgets an stl/mtl arm needs are checked by the study: a searched arm may leave them out.
    const trains = s.has("stl") || s.has("mtl");
    if (!trains && arm.budgets)
      ctx.addIssue({ code: "custom", path: ["budgets"], message: "only stl and mtl settings take budgets" });
    if (arm.budgets && new Set(arm.budgets).size !== arm.budgets.length)
      ctx.addIssue({ code: "custom", path: ["budgets"], message: "lists a budget twice" });
    if (!arm.model && !arm.from)
      ctx.addIssue({ code: "custom", path: ["model"], message: "required (or `from: <prefinetune arm>`)" });
    if (arm.model && arm.from)
      ctx.addIssue({ code: "custom", path: ["from"], message: "give either `model` or `from`, not both" });
    if (s.has("prefinetune") && arm.from)
      ctx.addIssue({ code: "custom", path: ["from"], message: "a prefinetune arm starts from a `model`" });
  });
export type ArmSpec = z.infer<typeof Arm>;

export const Prefinetune = z.strictObject({
  /** Instances per train task (the thesis: 100). */
  per_task: z.number().int().positive(),
  /** `train`: every train task of the checkout; or a list of task names. */
  tasks: z.union([z.literal("train"), z.array(Name).min(1)]).default("train"),
});

export const StudySpec = z
  .strictObject({
    name: Name,
    description: z.string().optional(),
    /** SuperNI checkout (relative to the spec file); `--superni` overrides it. */
    superni: z.string().min(1).nullable().optional(),
    /** `test`: the checkout's default test split; or a list of task names. */
    tasks: z.union([z.literal("test"), z.array(Name).min(1)]).default("test"),
    /** Seed of the data build (reference draw, order). */
    data_seed: z.number().int().default(42),
    /** Training seeds; each seed repeats every run. */
    seeds: z.array(z.number().int()).min(1).default([42]),
    /**
     * Data replicates: each budget below `all` is also trained on k - 1 other seeded draws of its examples
     * (docs/data.md), and the analysis resamples them alongside seeds.
     */
    data_replicates: z.number().int().min(1).max(MAX_REPLICATES).default(1),
    hyperparameters: Hyperparameters.default({}),
    evaluation: Evaluation.default({ variant: "superni", metric: "rougeL" }),
    prefinetune: Prefinetune.nullable().optional(),
    arms: z.array(Arm).min(1),
    /** An adaptive budget search (docs/studies.md, "Searching budgets"): which arms' budgets are searched. */
    search: SearchSpec.optional(),
    /**
     * Also write every run's train log as TensorBoard event files while it trains (`tracking: tensorboard`,
     * or a list): the engine spec's `tracking`, for every run. No run's id depends on it.
     */
    tracking: z
      .preprocess((t) => (typeof t === "string" ? [t] : t), RunSpec.shape.tracking.unwrap())
      .optional(),
  })
  .superRefine((study, ctx) => {
    study.arms.forEach((arm, i) => {
      // A searched setting takes its budgets from the search; every other stl/mtl setting needs its own.
      const searched = study.search?.arms.includes(arm.name) ? study.search.settings : [];
      const unsearched = arm.settings.filter(
        (s) => (s === "stl" || s === "mtl") && !(searched as string[]).includes(s),
      );
      if (unsearched.length > 0 && !arm.budgets)
        ctx.addIssue({
          code: "custom",
          path: ["arms", i, "budgets"],
          message: "required for stl/mtl settings (e.g. [100, all])",
        });
    });
    if (study.search)
      for (const [path, message] of checkSearchAgainst(study.search, study))
        ctx.addIssue({ code: "custom", path: ["search", ...path], message });
    const names = new Map<string, number>();
    study.arms.forEach((arm, i) => {
      if (names.has(arm.name))
        ctx.addIssue({
          code: "custom",
          path: ["arms", i, "name"],
          message: `arm "${arm.name}" is defined twice`,
        });
      names.set(arm.name, i);
    });
    study.arms.forEach((arm, i) => {
      if (!arm.from) return;
      const j = names.get(arm.from);
      const target = j === undefined ? undefined : study.arms[j];
      if (!target || !target.settings.includes("prefinetune"))
        ctx.addIssue({
          code: "custom",
          path: ["arms", i, "from"],
          message: `"${arm.from}" is not a prefinetune arm of this study`,
        });
    });
    const hasPft = study.arms.some((a) => a.settings.includes("prefinetune"));
    if (hasPft && !study.prefinetune)
      ctx.addIssue({
        code: "custom",
        path: ["prefinetune"],
        message: "required when an arm has the prefinetune setting (e.g. {per_task: 100, tasks: train})",
      });
    if (new Set(study.seeds).size !== study.seeds.length)
      ctx.addIssue({ code: "custom", path: ["seeds"], message: "lists a seed twice" });
    const lists = [
      { path: ["tasks"], names: study.tasks },
      { path: ["prefinetune", "tasks"], names: study.prefinetune?.tasks },
    ];
    for (const { path, names } of lists) {
      if (!Array.isArray(names)) continue;
      const first = new Map<string, number>();
      names.forEach((name, i) => {
        const j = first.get(name);
        if (j === undefined) first.set(name, i);
        else
          ctx.addIssue({
            code: "custom",
            path: [...path, i],
            message: `"${name}" is listed twice (positions ${j} and ${i}); each task runs once`,
          });
      });
    }
  });
export type StudySpec = z.infer<typeof StudySpec>;
export type StudySpecInput = z.input<typeof StudySpec>;

/** A spec plus where it came from: relative model paths and `superni` resolve against `baseDir`. */
export interface LoadedStudy {
  spec: StudySpec;
  /** The YAML text as given (copied into STUDY/study.yaml). */
  text: string;
  /** Folder relative paths in the spec are resolved against. */
  baseDir: string;
  /** Where the spec came from, for messages: a file path or `preset NAME`. */
  source: string;
}

/** Read and validate STUDY.yaml. Errors name the file, line and field: `s.yaml:12: arms[2].budgets[0]: ...`. */
export async function loadStudyFile(path: string): Promise<LoadedStudy> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${path}: ${code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(e)})`}`,
    );
  }
  return { spec: parseStudyYaml(text, path), text, baseDir: dirname(resolve(path)), source: path };
}

/** Parse and validate study YAML text; `file` only names the source in messages. */
export function parseStudyYaml(text: string, file: string): StudySpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    throw new UserError(`${where}: invalid YAML: ${yamlError.message.split("\n")[0]}`);
  }
  budgetsAsWritten(doc);
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (e) {
    // yaml refuses aliases that expand past its limit (a "billion laughs" document).
    throw new UserError(
      `${file}: invalid YAML: ${(e as Error).message}`,
      "write the spec without nested aliases",
    );
  }
  const parsed = StudySpec.safeParse(value ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const described = issues.slice(0, 3).map((issue) => {
    const line = lineOf(doc, lines, issue.path);
    return `${file}${line ? `:${line}` : ""}: ${formatPath(issue.path)}: ${issueMessage(issue)}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
  throw new UserError(described.join("; ") + more, "see docs/studies.md for every field of a study spec");
}

/**
 * Budgets are checked as the user wrote them: YAML reads `1e3` or `0x10` as numbers, which would
 * otherwise pass as "1000" and "16" here while `--budgets 1e3` is refused.
 */
function budgetsAsWritten(doc: Document): void {
  const arms = doc.get("arms", true);
  if (!isSeq(arms)) return;
  for (const arm of arms.items) {
    const budgets = isMap(arm) ? arm.get("budgets", true) : undefined;
    if (!isSeq(budgets)) continue;
    for (const b of budgets.items)
      if (isScalar(b) && typeof b.value === "number") b.value = b.source ?? String(b.value);
  }
}

/** Validate a spec given as a value (presets, tests); errors name the source and the field. */
export function validateStudy(value: unknown, source: string): StudySpec {
  const parsed = StudySpec.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UserError(`${source}: ${formatPath(issue.path)}: ${issueMessage(issue)}`);
}

/** `arms[2].budgets[0]` from zod's `["arms", 2, "budgets", 0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  if (issue.code === "invalid_type")
    return issue.input === undefined
      ? `required (expected ${issue.expected})`
      : `expected ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}, got ${typeof issue.input === "string" ? `the string ${JSON.stringify(issue.input)}` : JSON.stringify(issue.input)}`;
  return issue.message.replace(/^Invalid input: /, "");
}

/** The 1-based line of the deepest node on `path` that exists in the document (a missing key points at its parent). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = isNodeWithRange(node) ? node : undefined;
  for (const key of path) {
    let next: unknown;
    if (isMap(node)) next = node.get(key as string, true);
    else if (isSeq(node)) next = node.get(key as number, true);
    else break;
    if (!isNodeWithRange(next)) break;
    node = next;
    found = next;
  }
  return found?.range ? lines.linePos(found.range[0]).line : undefined;
}

function isNodeWithRange(n: unknown): n is Node {
  return (isMap(n) || isSeq(n) || isScalar(n)) && Array.isArray((n as Node).range);
}

/** A hub id stays as is; a local path (absolute or ./ ../ ~/) resolves against the spec's folder. */
export function resolveModel(model: string, baseDir: string): string {
  if (isAbsolute(model)) return model;
  if (model.startsWith("./") || model.startsWith("../") || model === "." || model === "..")
    return resolve(baseDir, model);
  if (model.startsWith("~/")) return resolve(process.env.HOME ?? "~", model.slice(2));
  return model;
}
