// Where tests find SuperNI data. Every behaviour is tested on the subset that ships with the project
// (assets/demo/superni: 7 test tasks, 28 train tasks); the full 119-task checkout beside the repository
// (../shared/superni, present in CI, absent in a user's clone) only adds thesis-scale checks.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { projectRoot } from "../../src/util/paths.js";

/** The bundled SuperNI subset: always present. */
export { DEMO_SUPERNI } from "../../src/demo/study.js";

/** The full test-split checkout beside the repository, when there is one. */
export const SHARED_SUPERNI = resolve(projectRoot, "..", "shared", "superni");

/** Why a thesis-scale test cannot run here (one line), or undefined when ../shared/superni is present. */
export const sharedSuperniMissing: string | undefined = existsSync(join(SHARED_SUPERNI, "tasks"))
  ? undefined
  : `needs the full SuperNI test checkout at ${SHARED_SUPERNI} (absent in a fresh clone)`;

/** Two bundled test tasks with short inputs (310 instances each) and two bundled train tasks. */
export const DEMO_TEST_TASKS = [
  "task1157_bard_analogical_reasoning_rooms_for_containers",
  "task970_sherliic_causal_relationship",
] as const;
export const DEMO_TRAIN_TASKS = [
  "task1319_country_by_barcode_prefix",
  "task1314_country_abbreviation",
] as const;
