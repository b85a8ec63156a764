import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_SUPERNI } from "../demo/study.js";
import { parseStudyYaml } from "../study/spec.js";
import { UserError } from "../util/errors.js";
import { prepareStudy } from "./prepare.js";
import { StudyStore } from "./store/index.js";

// A study's `tracking` line (issue 18): it reaches every run's spec.json, and turning it on for a study that
// already ran changes no run id and reruns nothing.

const SPEC = `name: tracked
tasks: [task1157_bard_analogical_reasoning_rooms_for_containers, task648_answer_generation]
arms:
  - name: inst
    model: org/inst
    encoding: thesis-def-pos
    settings: [stl, eval]
    budgets: [5, 10]
`;

function loaded(text: string, dir: string) {
  return { spec: parseStudyYaml(text, "s.yaml"), text, baseDir: dir, source: "s.yaml" };
}

async function specJson(store: StudyStore, id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(store.runDir(id), "spec.json"), "utf8")) as Record<string, unknown>;
}

describe("tracking in a study", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("takes one word or a list, and names the line of a tracker it does not know", () => {
    expect(parseStudyYaml(`${SPEC}tracking: tensorboard\n`, "s.yaml").tracking).toEqual(["tensorboard"]);
    expect(parseStudyYaml(`${SPEC}tracking: [tensorboard]\n`, "s.yaml").tracking).toEqual(["tensorboard"]);
    expect(parseStudyYaml(SPEC, "s.yaml").tracking).toBeUndefined();
    expect(() => parseStudyYaml(`${SPEC}tracking: wandb\n`, "s.yaml")).toThrow(UserError);
    expect(() => parseStudyYaml(`${SPEC}tracking: wandb\n`, "s.yaml")).toThrow(
      /^s\.yaml:9: tracking\[0\]: expected "tensorboard"/,
    );
  });

  it("reaches every run's spec.json, and turning it on keeps the ids and the finished runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ql-tracking-"));
    dirs.push(dir);
    const store = new StudyStore(dir);
    const before = await prepareStudy(store, loaded(SPEC, dir), { superni: DEMO_SUPERNI, preset: null });
    const ids = before.plan.runs.map((r) => r.id);
    expect(ids).toHaveLength(5);
    // spec.json without tracking is byte for byte what it was before the field existed.
    expect(await specJson(store, ids[0]!)).not.toHaveProperty("tracking");

    // One run finished (its outputs and hashes recorded, as the executor leaves them).
    const finished = ids[1]!;
    for (const name of ["predictions.jsonl", "train_log.jsonl", "stats.json", "scores.json"])
      await writeFile(join(store.runDir(finished), name), `${name}\n`);
    await store.markDone(finished, 1);

    const text = `${SPEC}tracking: tensorboard\n`;
    const after = await prepareStudy(store, loaded(text, dir), { superni: DEMO_SUPERNI, preset: null });
    expect(after.plan.runs.map((r) => r.id)).toEqual(ids);
    expect([...after.done]).toEqual([finished]);
    expect(after.notes.join(" ")).not.toMatch(/run again/);
    for (const id of ids) {
      expect((await specJson(store, id)).tracking).toEqual(["tensorboard"]);
      expect((await store.engineSpec(id, "cpu")).tracking).toEqual(["tensorboard"]);
    }
    expect((await store.runStatus(finished)).status).toBe("done");
  });
});
