import { z } from "zod";
import { UserError } from "../util/errors.js";

/** One instance of a SuperNI task: an input and every reference output, in file order. */
export interface Instance {
  id: string;
  input: string;
  output: string[];
}

export interface PositiveExample {
  input: string;
  output: string;
}

/** The parts of a SuperNI task file that quicklearn uses. */
export interface Task {
  name: string;
  /** `Definition[0]`, verbatim. */
  definition: string;
  positiveExamples: PositiveExample[];
  categories: string[];
  /** `Categories[0]`: the task's category everywhere in quicklearn (as in the thesis and SuperNI's scorer). */
  category: string;
  instances: Instance[];
}

const nonEmptyText = z.string().refine((s) => s.trim() !== "", { message: "must not be empty" });

// Only the fields quicklearn reads are checked; the rest of a task file (Contributors, Source, ...) is ignored,
// because partial or older checkouts lack some of them.
const taskFileSchema = z.object({
  Definition: z.array(z.string()).min(1, { message: "must hold at least one string" }),
  Categories: z.array(nonEmptyText).min(1, { message: "must hold at least one category" }),
  "Positive Examples": z.array(z.object({ input: z.string(), output: z.string() })).default([]),
  Instances: z
    .array(
      z.object({
        id: z.union([z.string(), z.number()]).transform(String).pipe(nonEmptyText),
        input: z.string(),
        output: z.array(z.string()).min(1, { message: "must hold at least one reference" }),
      }),
    )
    .min(1, { message: "is empty: a task needs at least one instance" }),
});

/**
 * Check a parsed task file and keep what quicklearn needs.
 * Throws a one-line UserError naming the file and the field, e.g.
 * `tasks/x.json: Instances[3].output: expected a list of strings, got a string`.
 */
export function validateTask(raw: unknown, file: string): Task {
  const parsed = taskFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${file}: ${fieldName(issue.path)}: ${describeIssue(issue, raw)}`, hint(issue.path));
  }
  const data = parsed.data;
  const definition = data.Definition[0]!;
  if (definition.trim() === "") throw new UserError(`${file}: Definition[0]: must not be empty`);

  const seen = new Map<string, number>();
  data.Instances.forEach((inst, i) => {
    const first = seen.get(inst.id);
    if (first !== undefined) {
      throw new UserError(
        `${file}: Instances[${i}].id: duplicate id "${inst.id}" (first used by Instances[${first}])`,
        "instance ids must be unique within a task",
      );
    }
    seen.set(inst.id, i);
  });

  return {
    name: taskNameOf(file),
    definition,
    positiveExamples: data["Positive Examples"].map((e) => ({ input: e.input, output: e.output })),
    categories: data.Categories,
    category: data.Categories[0]!,
    instances: data.Instances,
  };
}

function taskNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.endsWith(".json") ? base.slice(0, -".json".length) : base;
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const value = valueAt(raw, issue.path);
  if (issue.code === "invalid_type") {
    if (value === undefined) return "missing";
    const expected = issue.expected === "array" ? listOf(issue.path) : `a ${issue.expected}`;
    return `expected ${expected}, got ${typeName(value)}`;
  }
  if (issue.code === "too_small" && Array.isArray(value) && value.length === 0)
    return `empty list: ${issue.message}`;
  if (issue.code === "invalid_union") return `expected a string, got ${typeName(value)}`;
  return issue.message;
}

function listOf(path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  if (last === "Instances" || last === "Positive Examples") return "a list of objects";
  return "a list of strings";
}

function hint(path: readonly PropertyKey[]): string | undefined {
  if (path[0] === "Definition") return 'a task file needs "Definition": ["<instruction text>"]';
  if (path[0] === "Instances" && path[2] === "output")
    return 'each instance needs "output": ["<reference>", ...]';
  return undefined;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}
