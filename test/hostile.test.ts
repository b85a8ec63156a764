// Hostile input (issue 18): each case is a user mistake or a damaged file. Every one must end with exit code
// 2 and a message naming what is wrong (the file, field or flag), one line (a hint may follow on its own
// line), no stack trace, and nothing created or changed on disk. The CLI runs in this process (runCli) and no
// case starts the engine, so the suite stays fast.
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StudyStore, type RunRecord } from "../src/runner/store/index.js";
import { runCli } from "./helpers/cli.js";
import { DEMO_SUPERNI, DEMO_TEST_TASKS } from "./helpers/superni.js";

let root: string;

/** Every path under `dir` with its kind, size and modification time: what "nothing changed" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const st = statSync(path);
      const key = rel ? `${rel}/${name}` : name;
      if (st.isDirectory()) {
        out[key + "/"] = "dir";
        walk(path, key);
      } else out[key] = `${st.size}:${st.mtimeMs}`;
    }
  };
  walk(dir, "");
  return out;
}

const SPEC_OK = `name: hostile
tasks: [${DEMO_TEST_TASKS[0]}]
seeds: [1]
arms:
  - name: zs
    role: zero-shot
    model: org/m
    encoding: plain
    settings: [eval]
`;

/** A valid study with an adaptive budget search: an arm whose STL budgets are searched. */
const SEARCH_SPEC = `${SPEC_OK}  - name: inst
    model: org/m
    encoding: plain
    settings: [stl]
search: {target: {score: 50}, arms: [inst], settings: [stl]}
`;

/** A study spec: the valid one with `edit` applied to its text. */
async function spec(name: string, text: string): Promise<string> {
  const path = join(root, "specs", `${name}.yaml`);
  await writeFile(path, text);
  return path;
}

/** A small study directory (plan with three runs, one done) that cases copy and damage. */
async function study(name: string): Promise<string> {
  const dir = join(root, "studies", name);
  const store = new StudyStore(dir);
  const runs: RunRecord[] = ["a", "b", "c"].map((id) => ({
    id,
    arm: "zs",
    setting: "eval",
    task: null,
    budget: null,
    model: "org/m",
    encoding: "plain",
    depends_on: [],
    seed: 1,
    replicate: 0,
  }));
  const arm = {
    name: "zs",
    label: "zs",
    role: "zero-shot" as const,
    model: "org/m",
    encoding: "plain",
    prefinetune: null,
  };
  await store.writePlanFile({ study: { name: "s" }, preset: null, arms: [arm], runs, totals: { runs: 3 } });
  await store.recordFinishedRun(
    { ...runs[0]!, variant: "superni", eval_tasks: ["t1"] },
    {
      instanceScores: [{ task: "t1", id: "i1", category: "c", rougeL: 0.5 }],
      stats: {},
    },
  );
  return dir;
}

/** A SuperNI checkout of one test task, task1_x, whose file holds `content`. */
async function checkout(name: string, content: string | Uint8Array): Promise<string> {
  const dir = join(root, "checkouts", name);
  await mkdir(join(dir, "tasks"), { recursive: true });
  await mkdir(join(dir, "splits", "default"), { recursive: true });
  await writeFile(join(dir, "tasks", "task1_x.json"), content);
  await writeFile(join(dir, "splits", "default", "test_tasks.txt"), "task1_x\n");
  return dir;
}

interface Case {
  name: string;
  /** Prepares files under `root` and returns the arguments. */
  args: () => Promise<string[]>;
  /** What the message must name (matched against the error line). */
  names: RegExp;
}

const cases: Case[] = [
  // Study specs (plan reads them without touching anything else).
  {
    name: "YAML syntax error",
    args: async () => ["plan", await spec("syntax", "name: x\narms: [\n  - {name: a\n")],
    names: /syntax\.yaml/,
  },
  {
    name: "YAML alias bomb",
    args: async () => {
      const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 12; i++) {
        const prev = String.fromCharCode(96 + i);
        const cur = String.fromCharCode(97 + i);
        lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(", ")}]`);
      }
      return ["plan", await spec("bomb", lines.join("\n") + "\n")];
    },
    names: /bomb\.yaml/,
  },
  { name: "empty spec file", args: async () => ["plan", await spec("empty", "")], names: /empty\.yaml/ },
  {
    name: "spec that is a list",
    args: async () => ["plan", await spec("list", "- a\n- b\n")],
    names: /list\.yaml/,
  },
  {
    name: "unknown top-level key",
    args: async () => ["plan", await spec("unknown", SPEC_OK + "colour: red\n")],
    names: /unknown\.yaml.*colour/,
  },
  {
    name: "unknown key in an arm",
    args: async () => [
      "plan",
      await spec("armkey", SPEC_OK.replace("settings: [eval]", "settings: [eval]\n    lr: 3")),
    ],
    names: /armkey\.yaml.*(arms\[0\]|lr)/,
  },
  {
    name: "negative budget",
    args: async () => [
      "plan",
      await spec("negbudget", SPEC_OK.replace("settings: [eval]", "settings: [stl]\n    budgets: [-5]")),
    ],
    names: /negbudget\.yaml.*budgets\[0\]/,
  },
  {
    name: "fractional budget",
    args: async () => [
      "plan",
      await spec("fracbudget", SPEC_OK.replace("settings: [eval]", "settings: [stl]\n    budgets: [2.5]")),
    ],
    names: /fracbudget\.yaml.*budgets\[0\]/,
  },
  {
    name: "epochs as a word",
    args: async () => ["plan", await spec("epochs", SPEC_OK + "hyperparameters: {epochs: two}\n")],
    names: /epochs\.yaml.*epochs.*string/,
  },
  {
    name: "learning rate as a string",
    args: async () => ["plan", await spec("lr", SPEC_OK + 'hyperparameters: {learning_rate: "3e-3"}\n')],
    names: /lr\.yaml.*learning_rate.*string/,
  },
  {
    name: "huge epochs",
    args: async () => ["plan", await spec("huge", SPEC_OK + "hyperparameters: {epochs: 1000000000000}\n")],
    names: /huge\.yaml.*epochs/,
  },
  {
    name: "a task listed twice",
    args: async () => ["plan", await spec("duptask", SPEC_OK.replace(/tasks: \[(.*)\]/, "tasks: [$1, $1]"))],
    names: /duptask\.yaml.*tasks/,
  },
  {
    name: "two arms with one name",
    args: async () => [
      "plan",
      await spec("duparm", SPEC_OK + SPEC_OK.slice(SPEC_OK.indexOf("  - name: zs"))),
    ],
    names: /duparm\.yaml.*zs/,
  },
  {
    name: "name '..'",
    args: async () => ["plan", await spec("dotdot", SPEC_OK.replace("name: hostile", 'name: ".."'))],
    names: /dotdot\.yaml.*name/,
  },
  {
    name: "seeds of the wrong type",
    args: async () => ["plan", await spec("seeds", SPEC_OK.replace("seeds: [1]", "seeds: abc"))],
    names: /seeds\.yaml.*seeds/,
  },
  {
    name: "a search block naming an arm the study lacks",
    args: async () => [
      "plan",
      await spec("searcharm", SPEC_OK + "search: {target: {score: 50}, arms: [nobody], settings: [stl]}\n"),
    ],
    names: /searcharm\.yaml.*search\.arms\[0\].*nobody/,
  },
  {
    name: "a searched study on SLURM with a malformed --time",
    args: async () => [
      "run",
      await spec("searchslurm", SEARCH_SPEC),
      join(root, "studies", "searchslurm"),
      "--superni",
      DEMO_SUPERNI,
      "--executor",
      "slurm",
      "--time",
      "4h",
    ],
    names: /--time "4h"/,
  },
  {
    name: "an arm starting from an unknown arm",
    args: async () => ["plan", await spec("from", SPEC_OK.replace("model: org/m", "from: nobody"))],
    names: /from\.yaml.*nobody/,
  },
  {
    name: "task name with a path in it",
    args: async () => [
      "plan",
      await spec("traversal", SPEC_OK.replace(/tasks: \[.*\]/, "tasks: [../../etc/passwd]")),
    ],
    names: /traversal\.yaml.*tasks|\.\.\/\.\.\/etc\/passwd/,
  },
  {
    name: "missing spec file",
    args: async () => ["plan", join(root, "specs", "nope.yaml")],
    names: /nope\.yaml/,
  },
  {
    name: "spec path that is a folder",
    args: async () => ["plan", join(root, "specs")],
    names: /specs/,
  },
  // Flags.
  {
    name: "run --max-parallel -3",
    args: async () => ["run", await spec("okrun1", SPEC_OK), join(root, "new1"), "--max-parallel", "-3"],
    names: /--max-parallel/,
  },
  {
    name: "report --resamples 99999999999999",
    args: async () => ["report", await study("resamples"), "--resamples", "99999999999999"],
    names: /--resamples/,
  },
  {
    name: "plan --samples-per-s 0",
    args: async () => ["plan", "--preset", "demo", "--samples-per-s", "0"],
    names: /--samples-per-s/,
  },
  {
    name: "unknown flag",
    args: async () => ["status", await study("unknownflag"), "--colour"],
    names: /--colour/,
  },
  {
    name: "worker --shard 5/2",
    args: async () => ["worker", await study("shard"), "--shard", "5/2", "--cpu"],
    names: /--shard/,
  },
  {
    name: "run --cpu --gpus 0",
    args: async () => ["run", await spec("okrun2", SPEC_OK), join(root, "new2"), "--cpu", "--gpus", "0"],
    names: /--cpu and --gpus/,
  },
  {
    name: "run --gpus a,b",
    args: async () => ["run", await spec("okrun3", SPEC_OK), join(root, "new3"), "--gpus", "a,b"],
    names: /--gpus/,
  },
  {
    name: "encode --encoding nope",
    args: async () => [
      "encode",
      "--superni",
      DEMO_SUPERNI,
      "--task",
      DEMO_TEST_TASKS[0]!,
      "--encoding",
      "nope",
    ],
    names: /--encoding nope/,
  },
  {
    name: "data build --encodings nope",
    args: async () => [
      "data",
      "build",
      "--superni",
      DEMO_SUPERNI,
      "--out",
      join(root, "newdata3"),
      "--encodings",
      "nope",
    ],
    names: /--encodings nope/,
  },
  {
    name: "score --variant nope",
    args: async () => ["score", join(root, "files", "any.jsonl"), "--variant", "nope"],
    names: /--variant/,
  },
  {
    name: "plan --preset nope",
    args: async () => ["plan", "--preset", "nope"],
    names: /nope/,
  },
  {
    name: "status with one argument too many",
    args: async () => ["status", await study("extra"), "extra"],
    names: /argument/,
  },
  {
    name: "demo with the directory given twice",
    args: async () => ["demo", join(root, "demo1"), "--out", join(root, "demo2")],
    names: /demo1.*--out .*demo2/,
  },
  {
    name: "report --seed -1",
    args: async () => ["report", await study("seed"), "--seed", "-1"],
    names: /--seed/,
  },
  {
    name: "run with a spec and --preset",
    args: async () => ["run", await spec("both", SPEC_OK), join(root, "new4"), "--preset", "demo"],
    names: /--preset/,
  },
  {
    name: "run without a study directory",
    args: async () => ["run", await spec("nodir", SPEC_OK)],
    names: /study directory/,
  },
  {
    name: "run with the directory given twice",
    args: async () => ["run", await spec("twice", SPEC_OK), join(root, "new5"), "--out", join(root, "new6")],
    names: /new5.*--out .*new6/,
  },
  // Study directories: missing or damaged.
  {
    name: "status on a missing folder",
    args: async () => ["status", join(root, "nothing")],
    names: /nothing/,
  },
  {
    name: "status on a corrupt state.json",
    args: async () => {
      const dir = await study("corruptstate");
      await mkdir(join(dir, "runs", "b"), { recursive: true });
      await writeFile(join(dir, "runs", "b", "state.json"), "{not json");
      return ["status", dir];
    },
    names: /runs\/b\/state\.json/,
  },
  {
    name: "report on a corrupt plan.json",
    args: async () => {
      const dir = await study("corruptplan");
      await writeFile(join(dir, "plan.json"), '{"study": 1}');
      return ["report", dir];
    },
    names: /plan\.json/,
  },
  {
    name: "report on an empty plan.json",
    args: async () => {
      const dir = await study("emptyplan");
      await writeFile(join(dir, "plan.json"), "");
      return ["report", dir];
    },
    names: /plan\.json/,
  },
  {
    name: "report --out onto a folder",
    args: async () => {
      const dir = await study("outfolder");
      return ["report", dir, "--out", join(root, "specs")];
    },
    names: /specs/,
  },
  {
    name: "worker on a folder that is no study",
    args: async () => ["worker", join(root, "specs"), "--shard", "0/1", "--cpu"],
    names: /specs/,
  },
  {
    name: "cancel a study that never used SLURM",
    args: async () => ["cancel", await study("cancel")],
    names: /cancel.*slurm\/jobs\.json/,
  },
  // Other files.
  {
    name: "init into a missing folder",
    args: async () => ["init", join(root, "no", "such", "s.yaml")],
    names: /s\.yaml/,
  },
  {
    name: "init over an existing file",
    args: async () => ["init", await spec("exists", SPEC_OK)],
    names: /exists\.yaml/,
  },
  {
    name: "score an empty predictions file",
    args: async () => {
      const path = join(root, "files", "empty.jsonl");
      await writeFile(path, "");
      return ["score", path];
    },
    names: /empty\.jsonl/,
  },
  {
    name: "score a line that is not JSON",
    args: async () => {
      const path = join(root, "files", "broken.jsonl");
      await writeFile(path, '{"task": "t", "id": "1", "prediction": "x", "references": ["x"]}\n{oops\n');
      return ["score", path];
    },
    names: /broken\.jsonl.*2/,
  },
  {
    name: "score a Latin-1 file",
    args: async () => {
      const path = join(root, "files", "latin1.jsonl");
      await writeFile(
        path,
        Buffer.from('{"task": "t", "id": "1", "prediction": "caf\xe9", "references": ["x"]}\n', "latin1"),
      );
      return ["score", path];
    },
    names: /latin1\.jsonl/,
  },
  {
    name: "score a row without references",
    args: async () => {
      const path = join(root, "files", "norefs.jsonl");
      await writeFile(path, '{"task": "t", "id": "1", "prediction": "x"}\n');
      return ["score", path];
    },
    names: /norefs\.jsonl.*references/,
  },
  {
    name: "data build from a missing checkout",
    args: async () => [
      "data",
      "build",
      "--superni",
      join(root, "nocheckout"),
      "--out",
      join(root, "newdata"),
    ],
    names: /nocheckout/,
  },
  {
    name: "data build --budgets abc",
    args: async () => [
      "data",
      "build",
      "--superni",
      DEMO_SUPERNI,
      "--out",
      join(root, "newdata2"),
      "--budgets",
      "abc",
    ],
    names: /--budgets abc/,
  },
  {
    name: "a task file that is not UTF-8",
    args: async () => {
      const dir = await checkout("latin1", Buffer.from('{"Definition": ["D\xe9cide."]}', "latin1"));
      return ["encode", "--superni", dir, "--task", "task1_x", "--encoding", "plain"];
    },
    names: /task1_x\.json:1: not valid UTF-8: invalid byte 0xe9/,
  },
  {
    name: "a task file of the wrong shape",
    args: async () => {
      const dir = await checkout(
        "shape",
        JSON.stringify({ Definition: ["D"], Categories: ["C"], Instances: "none" }),
      );
      return ["encode", "--superni", dir, "--task", "task1_x", "--encoding", "plain"];
    },
    names: /task1_x\.json.*Instances/,
  },
  {
    name: "a checkout without its split files",
    args: async () => {
      const dir = await checkout("nosplits", "{}");
      await rm(join(dir, "splits"), { recursive: true });
      return ["data", "build", "--superni", dir, "--out", join(root, "newdata4")];
    },
    names: /nosplits.*splits|test_tasks\.txt/,
  },
  {
    name: "encode a task that does not exist",
    args: async () => ["encode", "--superni", DEMO_SUPERNI, "--task", "task0_nope", "--encoding", "plain"],
    names: /task0_nope/,
  },
  {
    name: "train from a missing run spec",
    args: async () => ["train", "--spec", join(root, "files", "nospec.json")],
    names: /nospec\.json/,
  },
  {
    name: "train from a run spec of the wrong shape",
    args: async () => {
      const path = join(root, "files", "badspec.json");
      await writeFile(path, JSON.stringify({ run_id: 5, model: [] }));
      return ["train", "--spec", path];
    },
    names: /badspec\.json/,
  },
];

describe("hostile input: exit 2, one line naming the culprit, nothing changed", () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-hostile-"));
    for (const d of ["specs", "studies", "files"]) await mkdir(join(root, d));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("$name", async ({ args, names }) => {
    const argv = await args();
    const before = snapshot(root);
    const r = await runCli(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error|Traceback/);
    const lines = r.stderr.trimEnd().split("\n");
    // One line of error; a hint (ours) or commander's pointer to --help may follow on its own line.
    expect(lines[0]).toMatch(/^(quicklearn: )?error: /);
    expect(
      lines.slice(1).every((l) => /^ {2}hint: |^\(run with --help for usage\)$/.test(l)),
      r.stderr,
    ).toBe(true);
    expect(lines[0]).toMatch(names);
    expect(snapshot(root)).toEqual(before);
  });

  it("the checker sees a change (a file written under root counts)", async () => {
    const before = snapshot(root);
    await writeFile(join(root, "files", "touched"), "x");
    expect(snapshot(root)).not.toEqual(before);
    expect(existsSync(join(root, "files", "touched"))).toBe(true);
    expect(await readFile(join(root, "files", "touched"), "utf8")).toBe("x");
  });
});
