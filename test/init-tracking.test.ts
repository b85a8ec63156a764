import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { studyContext } from "../src/study/context.js";
import { planStudy } from "../src/study/plan.js";
import { PRESETS } from "../src/study/presets.js";
import { TRACKING_LINE } from "../src/study/presets/tracking.js";
import { parseStudyYaml } from "../src/study/spec.js";
import { runCli } from "./helpers/cli.js";

/** `quicklearn init` offers tracking as one commented line; deleting its `# ` turns tracking on for every run. */
describe("quicklearn init: the commented tracking line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-init-tracking-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(PRESETS))(
    "preset %s: off as written, on once the line is uncommented",
    async (preset) => {
      const file = join(dir, `${preset}.yaml`);
      expect((await runCli(["init", file, "--preset", preset])).code).toBe(0);
      const text = await readFile(file, "utf8");
      expect(text.split("\n").filter((l) => l === TRACKING_LINE)).toHaveLength(1);
      expect(TRACKING_LINE).toBe(
        "# tracking: tensorboard  # also write each run's train log as TensorBoard event files (docs/engine.md)",
      );
      expect(parseStudyYaml(text, file).tracking).toBeUndefined();

      const tracked = text.replace(TRACKING_LINE, TRACKING_LINE.slice("# ".length));
      const spec = parseStudyYaml(tracked, file);
      expect(spec.tracking).toEqual(["tensorboard"]);
      // What the engine gets: every run of the plan writes its train log as event files.
      const study = { spec, text: tracked, baseDir: dir, source: file };
      const plan = planStudy(spec, (await studyContext(study, { preset, absentModels: "provisional" })).plan);
      expect(plan.runs.length).toBeGreaterThan(1);
      expect(new Set(plan.runs.map((r) => JSON.stringify(r.engine.tracking)))).toEqual(
        new Set([JSON.stringify(["tensorboard"])]),
      );
    },
  );
});
