// The report for every reader (issue 18): charts are images with a name, tables have captions and header
// scopes, Vega's per-mark labels carry the figures as the tables show them, the study's description and
// each arm's name beside its label are on the page.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StudyStore } from "../src/runner/store/index.js";
import { writeThesisStudy } from "./fixtures/thesis-study.js";
import { runCli } from "./helpers/cli.js";

const DESCRIPTION = "Does <b>instruction tuning</b> pay off at 100 examples?";

describe("report accessibility", () => {
  let dir: string;
  let html: string;
  let md: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-report-a11y-"));
    const study = join(dir, "study");
    await writeThesisStudy(study, { instances: 10 });
    const store = new StudyStore(study);
    await store.writePlanFile({
      ...(await store.readPlan()),
      study: { name: "thesis", description: DESCRIPTION },
    });
    const r = await runCli([
      "report",
      study,
      "--resamples",
      "100",
      "--out",
      join(dir, "r.html"),
      "--md",
      join(dir, "r.md"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    html = await readFile(join(dir, "r.html"), "utf8");
    md = await readFile(join(dir, "r.md"), "utf8");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("shows the study's description, escaped", () => {
    expect(html).toContain(
      `<p class="description">Does &#60;b&#62;instruction tuning&#60;/b&#62; pay off at 100 examples?</p>`,
    );
    expect(md).toContain("Does &#60;b&#62;instruction tuning&#60;/b&#62; pay off at 100 examples?");
  });

  it("makes every chart an image named by its title", () => {
    const svgs = html.match(/<svg\b[^>]*>(?:<title>[^<]*<\/title>)?/g) ?? [];
    expect(svgs.length).toBeGreaterThanOrEqual(4);
    for (const svg of svgs) {
      const label = /^<svg role="img" aria-label="([^"]+)"[^>]*><title>([^<]+)<\/title>$/.exec(svg);
      expect(label, svg).not.toBeNull();
      expect(label![2]).toBe(label![1]);
      expect(label![1]).toMatch(/ROUGE-L/);
    }
  });

  it("writes the figures into the marks' labels as the tables show them (no float noise)", () => {
    const labels = [...html.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]!);
    expect(labels.some((l) => /ROUGE-L: \d+\.\d\d?\b/.test(l))).toBe(true);
    expect(labels.filter((l) => /\d\.\d{3,}/.test(l))).toEqual([]);
  });

  it("gives every table a caption, column headers and row headers", () => {
    const tables = html.match(/<table>[\s\S]*?<\/table>/g) ?? [];
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const t of tables) {
      expect(t).toMatch(/^<table><caption>[^<]+<\/caption><thead>/);
      const head = /<thead>([\s\S]*?)<\/thead>/.exec(t)![1]!;
      expect(head.match(/<th\b/g)!.length).toBe(head.match(/<th scope="col"/g)!.length);
      for (const row of /<tbody>([\s\S]*?)<\/tbody>/.exec(t)![1]!.split("\n"))
        expect(row, "each body row starts with its header").toMatch(/^<tr><th scope="row"/);
    }
  });

  it("names each arm beside its label", () => {
    expect(html).toContain(
      `<tr><th scope="row" class="l">inst</th><td class="l">Tk-Instruct 3B (instructions)</td>`,
    );
    expect(html).toMatch(/<th scope="row" class="l">B3<\/th><td class="l">B3: T5-3B, all data/);
  });
});
