import { join } from "node:path";
import {
  DEMO_KNOB_FIELDS,
  DEMO_KNOBS,
  demoPresetText,
  loadPreset,
  parseStudyYaml,
  type DemoKnobs,
  type LoadedStudy,
} from "../study/index.js";
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

/** What `--quick` changes in the demo preset; the preset's comments quote these values (demoPresetText). */
const QUICK_KNOBS: Partial<DemoKnobs> = {
  name: "demo-quick",
  description: `${DEMO_KNOBS.description} Shortened (quicklearn demo --quick).`,
  tasks: QUICK_TASKS,
  prefinetunePerTask: 20,
  epochs: 1,
  maxSourceLength: 256,
  maxNewTokens: 8,
};

/**
 * The demo study: the `demo` preset with its relative model path resolved in the study directory `out`.
 * `quick` renders the preset with QUICK_KNOBS (values and the comments quoting them), so STUDY/study.yaml
 * shows what ran.
 */
export function demoStudy(out: string, quick: boolean, search = false): LoadedStudy {
  const study = demoGrid(out, quick);
  if (!search) return study;
  const text = study.text + SEARCH_BLOCK;
  const source = `${study.source} with --search`;
  return { ...study, spec: parseStudyYaml(text, source), text, source };
}

/**
 * `demo --search`: the instruction-tuned arm's budgets searched against the supervised baseline B3 (all 200
 * examples per task) instead of its grid of 10, 20 and 50: where does it reach 90 % of B3's score?
 */
export const SEARCH_BLOCK = `
# quicklearn demo --search: the instruction-tuned arm's single-task budgets are searched (its listed budgets
# stay for MTL): each round fits its curve and runs the budget that most narrows where it reaches 90 % of B3.
search:
  target: { share_of: { arm: B3, setting: stl, budget: all }, share: 0.9 }
  arms: [inst]
  settings: [stl]
  min_budget: 5
  max_budget: all
  tolerance: 0.25
  max_rounds: 5
`;

function demoGrid(out: string, quick: boolean): LoadedStudy {
  const full = loadPreset("demo", out);
  if (!quick) return full;
  const changed = Object.keys(QUICK_KNOBS)
    .filter((k) => k !== "name" && k !== "description")
    .map((k) => DEMO_KNOB_FIELDS[k as keyof DemoKnobs]);
  const text =
    `# quicklearn demo --quick: the demo preset, shortened (${changed.join(", ")} changed).\n\n` +
    demoPresetText({ ...DEMO_KNOBS, ...QUICK_KNOBS });
  return {
    ...full,
    spec: parseStudyYaml(text, "preset demo (--quick)"),
    text,
    source: "preset demo (--quick)",
  };
}
