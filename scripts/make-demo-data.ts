/**
 * Regenerates assets/demo/superni, the small SuperNI subset bundled for `quicklearn demo`,
 * from a SuperNI checkout (default ../shared/superni). Deterministic: same input, same bytes.
 *
 *   npx tsx scripts/make-demo-data.ts [SUPERNI_DIR]
 *
 * Test tasks: one per thesis report group, each cut to its first 310 instances
 * (100 test + 10 validation + 200 train under the thesis's split rule).
 * Train tasks (pre-finetuning): every train task of the checkout, whole (they are small).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const TEST_TASKS = [
  "task020_mctaco_span_based_question", // Answerability Classification
  "task648_answer_generation", // Coreference Resolution
  "task957_e2e_nlg_text_generation_generate", // Data to Text
  "task1345_glue_qqp_question_paraprashing", // Question Rewriting
  "task970_sherliic_causal_relationship", // Textual Entailment
  "task288_gigaword_summarization", // Title Generation
  "task1157_bard_analogical_reasoning_rooms_for_containers", // Word Analogy (Other Categories)
];
const INSTANCES_PER_TEST_TASK = 310;

const src = process.argv[2] ?? "../shared/superni";
const out = "assets/demo/superni";
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "tasks"), { recursive: true });
mkdirSync(join(out, "splits", "default"), { recursive: true });

const splitFile = (name: string) =>
  readFileSync(join(src, "splits", "default", name), "utf8")
    .split("\n")
    .filter(Boolean);
const trainTasks = splitFile("train_tasks.txt").filter((t) => existsSync(join(src, "tasks", `${t}.json`)));

for (const task of TEST_TASKS) {
  const data = JSON.parse(readFileSync(join(src, "tasks", `${task}.json`), "utf8"));
  data.Instances = data.Instances.slice(0, INSTANCES_PER_TEST_TASK);
  writeFileSync(join(out, "tasks", `${task}.json`), JSON.stringify(data, null, 1) + "\n");
}
for (const task of trainTasks) {
  writeFileSync(join(out, "tasks", `${task}.json`), readFileSync(join(src, "tasks", `${task}.json`)));
}
writeFileSync(join(out, "splits", "default", "test_tasks.txt"), TEST_TASKS.join("\n") + "\n");
writeFileSync(join(out, "splits", "default", "train_tasks.txt"), trainTasks.join("\n") + "\n");
writeFileSync(join(out, "splits", "default", "excluded_tasks.txt"), "");
console.log(`wrote ${TEST_TASKS.length} test tasks and ${trainTasks.length} train tasks to ${out}`);
