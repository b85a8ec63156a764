import { join } from "node:path";
import { parseDocument } from "yaml";
import { loadPreset, parseStudyYaml, presetText, type LoadedStudy } from "../study/index.js";
import { assetsDir } from "../util/paths.js";

/** The SuperNI subset bundled with quicklearn (assets/demo/superni/PROVENANCE.md): the demo needs no checkout. */
export const DEMO_SUPERNI = join(assetsDir, "demo", "superni");

/** Where the demo's study expects its tiny base model: `./base-model` in the study directory (the preset's `model`). */
export const BASE_MODEL_DIR = "base-model";

/**
 * The shortened demo (`--quick`, what CI runs): the same design, made cheaper where it does not change what is
 * exercised: three test tasks (both classification and generation), a smaller pre-finetuning set, one epoch,
 * shorter sources and generations.
 */
export const QUICK_TASKS = [
  "task020_mctaco_span_based_question",
  "task970_sherliic_causal_relationship",
  "task288_gigaword_summarization",
];

const QUICK_EDITS: [path: (string | number)[], value: unknown][] = [
  [["tasks"], QUICK_TASKS],
  [["prefinetune", "per_task"], 20],
  [["hyperparameters", "epochs"], 1],
  [["hyperparameters", "max_source_length"], 256],
  [["evaluation", "max_new_tokens"], 8],
];

/**
 * The demo study: the `demo` preset with its relative model path resolved in the study directory `out`.
 * `quick` applies QUICK_EDITS to the preset's YAML (comments kept), so STUDY/study.yaml shows what ran.
 */
export function demoStudy(out: string, quick: boolean): LoadedStudy {
  const full = loadPreset("demo", out);
  if (!quick) return full;
  const doc = parseDocument(presetText("demo"));
  doc.setIn(["name"], "demo-quick");
  for (const [path, value] of QUICK_EDITS) doc.setIn(path, doc.createNode(value, { flow: true }));
  doc.commentBefore = `quicklearn demo --quick: the demo preset, shortened (${QUICK_EDITS.map(([p]) => p.join(".")).join(", ")} changed).\n${doc.commentBefore ?? ""}`;
  const text = doc.toString({ lineWidth: 0 });
  return {
    ...full,
    spec: parseStudyYaml(text, "preset demo (--quick)"),
    text,
    source: "preset demo (--quick)",
  };
}
