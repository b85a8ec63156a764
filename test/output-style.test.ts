// Output a user can paste (issue 18): every JSON document the CLI prints and the report writes uses one key
// style (snake_case; the metric names are SuperNI's own: rougeL, rouge1, exact_match), and its numbers
// carry no float noise (percentages to 4 decimals, everything else to 6 significant digits).
import { readdir, readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roundFigure, roundPercent } from "../src/util/round.js";
import { writeThesisStudy } from "./fixtures/thesis-study.js";
import { runCli } from "./helpers/cli.js";

const METRIC_NAMES = ["rougeL", "rouge1", "exact_match"];
/** A snake_case key, where a metric name counts as one word (`baseline_rougeL`, `a_rougeL`). */
const KEY = new RegExp(
  `^(?:[a-z0-9]+|${METRIC_NAMES.join("|")})(?:_(?:[a-z0-9]+|${METRIC_NAMES.join("|")}))*$`,
);
/** Keys (JSON) and columns (CSV) whose numbers are percentages. */
const PERCENT = /^(?:rougeL|micro|published|diff|ci|ci_lo|ci_hi|baseline_rougeL|[ab]_rougeL)$/;

/** Where a document breaks the rules: "path: why". Keys of `free` objects are data (task or category names). */
function offences(value: unknown, path = "$", free = false, percent = false): string[] {
  if (typeof value === "number") {
    if (percent && roundPercent(value) !== value) return [`${path}: ${value} has more than 4 decimals`];
    return roundFigure(value) === value ? [] : [`${path}: ${value} has more than 6 significant digits`];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => offences(v, `${path}[${i}]`, false, percent));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(free || KEY.test(k) ? [] : [`${path}.${k}: not snake_case`]),
    // A fit's `ci` is an object of parameter intervals (not points of the metric): only a `ci` pair is one.
    ...offences(
      v,
      `${path}.${k}`,
      k === "categories" || k === "tasks",
      (PERCENT.test(k) && (k !== "ci" || Array.isArray(v))) || percent,
    ),
  ]);
}

describe("output a user can paste", () => {
  let dir: string;
  let study: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-output-style-"));
    study = join(dir, "study");
    await writeThesisStudy(study, { instances: 10, done: 300 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds float noise and camelCase keys (the checker can fail)", () => {
    expect(offences({ rougeL: 33.99856058014962 })).toHaveLength(1);
    expect(offences({ share_of_baseline: 0.1 + 0.2 })).toHaveLength(1);
    expect(offences({ runsDone: 1, rouge_l: 2, baselineRougeL: 3 })).toHaveLength(2);
    expect(offences({ baseline_rougeL: 33.9986, tasks: { "Task One": 1 } })).toEqual([]);
  });

  it("report --json and status --json", async () => {
    const report = await runCli([
      "report",
      study,
      "--json",
      "--resamples",
      "100",
      "--out",
      join(dir, "r.html"),
    ]);
    expect(report.code, report.stderr).toBe(0);
    const doc = JSON.parse(report.stdout) as { overall: { rougeL: number }[]; tasks: unknown[] };
    expect(doc.overall.length).toBeGreaterThan(0);
    expect(doc.tasks.length).toBeGreaterThan(0);
    expect(offences(doc)).toEqual([]);
    // Not vacuous: the fixture's figures are not round numbers.
    expect(doc.overall.some((o) => !Number.isInteger(o.rougeL * 100))).toBe(true);

    const status = await runCli(["status", study, "--json"]);
    expect(status.code).toBe(0);
    expect(offences(JSON.parse(status.stdout))).toEqual([]);
  });

  it("plan --json", async () => {
    const r = await runCli(["plan", "--preset", "thesis", "--json"]);
    expect(r.code).toBe(0);
    expect(offences(JSON.parse(r.stdout))).toEqual([]);
  });

  it("report --csv: snake_case columns, rounded figures", async () => {
    const csvDir = join(dir, "csv");
    const r = await runCli([
      "report",
      study,
      "--csv",
      csvDir,
      "--resamples",
      "100",
      "--out",
      join(dir, "r.html"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const files = await readdir(csvDir);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const rows = parse(await readFile(join(csvDir, file), "utf8"), { columns: true }) as Record<
        string,
        string
      >[];
      for (const [i, row] of rows.entries()) {
        const doc = Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, v !== "" && Number.isFinite(Number(v)) ? Number(v) : v]),
        );
        expect(offences(doc, `${file}:${i + 2}`)).toEqual([]);
      }
    }
  });
});
