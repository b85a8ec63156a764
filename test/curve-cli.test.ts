/** `quicklearn curve --points` end to end through main(): the contract of issue 21's Interfaces. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-curve-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const CURVE = "budget,score\n50,40\n100,50\n200,56\n500,64\n1000,66\n";
const pair = [expect.any(Number), expect.any(Number)];

describe("quicklearn curve --points", () => {
  it("--json prints {fits, queries} with the issue's fields, arm and setting null, scope overall", async () => {
    const file = await csv("a.csv", CURVE);
    const r = await runCli([
      "curve",
      "--points",
      file,
      "--target",
      "60",
      "--at",
      "5000",
      "--resamples",
      "200",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["fits", "queries"]);
    expect(doc.fits).toHaveLength(1);
    const fit = doc.fits[0];
    expect(fit).toMatchObject({
      arm: null,
      setting: null,
      scope: "overall",
      family: "auto",
      params: { a: expect.any(Number), b: expect.any(Number), c: expect.any(Number) },
      sse: expect.any(Number),
      rmse: expect.any(Number),
      asymptote: expect.any(Number),
      n_points: 5,
      backtest: {
        held_out_budget: 1000,
        predicted: expect.any(Number),
        measured: 66,
        error: expect.any(Number),
        inside_interval: expect.any(Boolean),
      },
      ci: { a: pair, b: pair, c: pair, asymptote: pair },
      interval_method: "residual bootstrap of the points (200 resamples)",
    });
    expect(fit.asymptote).toBeLessThanOrEqual(100);
    expect(doc.queries).toEqual([
      {
        arm: null,
        setting: null,
        scope: "overall",
        target: 60,
        budget: expect.any(Number),
        ci: pair,
        extrapolated: false,
        reachable_share: 1,
      },
      {
        arm: null,
        setting: null,
        scope: "overall",
        at: 5000,
        score: expect.any(Number),
        ci: pair,
        pi: pair,
        extrapolated: true,
      },
    ]);
    const [target, at] = doc.queries;
    expect(target.budget).toBeGreaterThan(200);
    expect(target.budget).toBeLessThan(500);
    expect(at.pi[1] - at.pi[0]).toBeGreaterThan(at.ci[1] - at.ci[0]);
  });

  it("--family, --max-score and --level change the fit and the intervals; unreachable targets give null", async () => {
    const file = await csv(
      "frac.csv",
      "budget,score,weight\n10,0.4,1\n20,0.5,2\n50,0.56,1\n50,0.58,1\n100,0.6,1\n",
    );
    const r = await runCli([
      "curve",
      "--points",
      file,
      "--family",
      "exp3",
      "--max-score",
      "1",
      "--level",
      "0.5",
      "--target",
      "1",
      "--resamples",
      "100",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.fits[0].family).toBe("exp3");
    expect(doc.fits[0].n_points).toBe(5);
    expect(doc.fits[0].asymptote).toBeLessThanOrEqual(1);
    expect(doc.queries[0]).toMatchObject({ target: 1, budget: null, extrapolated: true, reachable_share: 0 });
    expect(doc.queries[0].ci).toEqual([null, null]);
  });

  it("prints a short table without --json", async () => {
    const file = await csv("t.csv", CURVE);
    const r = await runCli(["curve", "--points", file, "--at", "300", "--resamples", "100"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("auto: y = a - b*x^(-c)");
    expect(r.stdout).toMatch(/parameter\s+value\s+90 % interval/);
    expect(r.stdout).toMatch(/backtest: fitted without budget 1,000/);
    expect(r.stdout).toMatch(/score at budget 300\s+\d/);
  });

  const cases: [string, string, RegExp][] = [
    [
      "missing column",
      "budget,points\n1,2\n",
      /missing.csv line 1: missing column "score" \(columns: budget, points\)$/,
    ],
    ["unknown column", "budget,score,wieght\n1,2,3\n", /unknown.csv line 1: unknown column "wieght"/],
    ["not a number", "budget,score\n10,1\n20,abc\n", /nan.csv line 3, field score: "abc" is not a number$/],
    ["budget 0", "budget,score\n0,1\n", /zero.csv line 2, field budget: 0 must be greater than 0$/],
    ["empty file", "", /empty.csv: empty file$/],
    ["header only", "budget,score\n", /header.csv: no points after the header line$/],
    ["ragged row", "budget,score\n10,1,2\n", /ragged.csv line 2: Invalid Record Length/],
    [
      "2 budgets",
      "budget,score\n10,1\n10,2\n20,3\n",
      /two.csv: no curve: 2 distinct budget\(s\); a curve needs at least 3/,
    ],
  ];
  const names = ["missing", "unknown", "nan", "zero", "empty", "header", "ragged", "two"];
  cases.forEach(([what, text, message], i) => {
    it(`${what}: exit 2 and one line naming the file (and line and field)`, async () => {
      const r = await runCli(["curve", "--points", await csv(`${names[i]}.csv`, text)]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      // Node's own warnings (many in-process runs add listeners) are not the CLI's output.
      const lines = r.stderr.split("\n").filter((l) => l !== "" && !/^\((node:|Use `node)/.test(l));
      expect(lines[0]).toMatch(/^quicklearn: error: /);
      expect(lines[0]).toMatch(message);
      expect(lines.slice(1).every((l) => l.startsWith("  hint: "))).toBe(true);
    });
  });

  it("a missing file, a target above the maximum and a bad level are one-line errors", async () => {
    const file = await csv("ok.csv", CURVE);
    for (const [args, message] of [
      [["--points", join(dir, "nope.csv")], /nope.csv: cannot read the points file \(no such file\)/],
      [["--points", file, "--target", "120"], /--target 120: above the metric's maximum 100/],
      [["--points", file, "--level", "90"], /--level 90: expected a level between 0 and 1/],
      [["--points", file, "--at", "-5"], /--at -5: expected a number > 0/],
    ] as [string[], RegExp][]) {
      const r = await runCli(["curve", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
