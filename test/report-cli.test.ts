import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeThesisStudy } from "./fixtures/thesis-study.js";
import { runCli } from "./helpers/cli.js";

describe("quicklearn report", () => {
  let dir: string;
  let study: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-report-cli-"));
    study = join(dir, "study");
    // A partial thesis-shaped study: the first 500 runs done.
    await writeThesisStudy(study, { instances: 20, done: 500 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("--json prints exactly one JSON document with the contract's keys and writes STUDY/report.html", async () => {
    const r = await runCli(["report", study, "--json", "--resamples", "200"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc).slice(0, 3)).toEqual(["overall", "matching", "groups"]);
    for (const o of doc.overall) {
      expect(Object.keys(o)).toEqual(
        expect.arrayContaining(["arm", "setting", "budget", "rougeL", "ci", "n_tasks"]),
      );
      expect(o.ci).toHaveLength(2);
    }
    for (const m of doc.matching) {
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining(["arm", "setting", "baseline", "budget_per_task", "share_of_baseline"]),
      );
    }
    // Learning-curve fits (issue 21): the keys of `quicklearn curve --json`.
    expect(doc.fits.length).toBeGreaterThan(0);
    for (const f of doc.fits)
      expect(Object.keys(f)).toEqual(
        expect.arrayContaining([
          "arm",
          "setting",
          "scope",
          "family",
          "params",
          "sse",
          "rmse",
          "asymptote",
          "n_points",
          "backtest",
          "ci",
        ]),
      );
    for (const q of doc.queries)
      expect(Object.keys(q)).toEqual(
        expect.arrayContaining([
          "arm",
          "setting",
          "scope",
          "target",
          "budget",
          "ci",
          "extrapolated",
          "reachable_share",
        ]),
      );
    expect(doc.curves).toMatchObject({ family: "auto", level: 0.9 });
    expect(doc.study).toMatchObject({ runs_done: 500, runs_total: 841 });
    expect(r.stderr).toContain("500 of 841 runs done");
    expect(r.stderr).toContain(`wrote ${join(study, "report.html")}`);
    const html = await readFile(join(study, "report.html"), "utf8");
    expect(html).toContain("500 of 841 runs done");
  });

  it("writes Markdown and CSV where asked and says where", async () => {
    const out = join(dir, "out");
    const r = await runCli([
      "report",
      study,
      "--out",
      join(out, "r.html"),
      "--md",
      join(out, "r.md"),
      "--csv",
      join(out, "csv"),
      "--latex",
      join(out, "tex"),
      "--resamples",
      "100",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(out, "r.html")}`);
    expect(r.stdout).toContain(`wrote ${join(out, "r.md")}`);
    expect((await readdir(join(out, "csv"))).sort()).toEqual([
      "effects.csv",
      "fits.csv",
      "groups.csv",
      "matching.csv",
      "overall.csv",
      "queries.csv",
      "tasks.csv",
    ]);
    const fits = (await readFile(join(out, "csv", "fits.csv"), "utf8")).trimEnd().split("\n");
    expect(fits.length).toBeGreaterThan(100); // overall, group and per-task fits of a thesis-sized study
    expect(fits.some((l) => /^inst,stl,overall,auto,/.test(l))).toBe(true);
    expect(await readFile(join(out, "r.md"), "utf8")).toMatch(/^# thesis \(synthetic fixture\)/);
    const tex = (await readdir(join(out, "tex"))).sort();
    expect(tex).toEqual(expect.arrayContaining(["backtests.tex", "matching.tex", "overall.tex"]));
    for (const name of tex) expect(r.stdout).toContain(`wrote ${join(out, "tex", name)}`);
    expect(await readFile(join(out, "tex", "overall.tex"), "utf8")).toMatch(/\\toprule[\s\S]*\\bottomrule/);
  });

  it("fails with one clear line on a folder that is not a study, writing nothing", async () => {
    const r = await runCli(["report", join(dir, "nope"), "--out", join(dir, "x.html")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^quicklearn: error: .*nope: not a study directory \(no plan.json\)\n/);
    expect(existsSync(join(dir, "x.html"))).toBe(false);
  });

  it("rejects a bad --resamples", async () => {
    const r = await runCli(["report", study, "--resamples", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--resamples 0: expected a whole number >= 1");
    const huge = await runCli(["report", study, "--resamples", "99999999999999"]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain("--resamples 99999999999999: expected a whole number >= 1 and <= 1000000");
  });

  it("refuses --out naming a folder (issue 18)", async () => {
    const r = await runCli(["report", study, "--out", study]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/study is a folder/);
  });
});
