import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../src/report/index.js";
import { findChromium, screenshot } from "../src/report/png.js";
import { writeThesisStudy } from "./fixtures/thesis-study.js";

const run = promisify(execFile);
const chromium = findChromium();

/**
 * Opens the report of the thesis-shaped study in headless Chromium (Debian's `chromium`, installed by
 * `scripts/setup.sh --dev`): the DOM the browser built must hold the charts with their marks, and the
 * screenshot must carry far more than a blank page of the same size.
 */
describe.skipIf(!chromium)("report in headless Chromium", () => {
  let dir: string;
  let html: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-browser-"));
    await writeThesisStudy(join(dir, "study"), { instances: 20 });
    html = join(dir, "report.html");
    await writeReport(join(dir, "study"), { out: html, bootstrap: { resamples: 200, seed: 1 } });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("renders the charts with data in the browser's DOM", async () => {
    const { stdout: dom } = await run(
      chromium!,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        `--user-data-dir=${join(dir, "profile")}`,
        "--dump-dom",
        `file://${html}`,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
    );
    const svgs = dom.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(4);
    for (const id of ["curve-stl", "curve-mtl", "groups-stl", "groups-mtl"]) {
      expect(dom).toContain(`id="${id}"`);
    }
    const [curveStl, , groupsStl] = svgs;
    // The STL curve: one line through four budgets, symbols for baselines, dashed/dotted reference rules.
    expect(curveStl).toMatch(
      /class="mark-line[\s\S]*?<path[^>]* d="M[\d.-]+,[\d.-]+L[\d.-]+,[\d.-]+L[\d.-]+,[\d.-]+L/,
    );
    expect((curveStl!.match(/class="mark-symbol/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(curveStl).toContain("stroke-dasharray");
    expect(curveStl).toContain("all (≈3149)");
    // Grouped bars: 7 groups × 7 STL conditions.
    const bars = groupsStl!.match(/<g class="mark-rect[^"]*"[^>]*>([\s\S]*?)<\/g>/)?.[1] ?? "";
    expect((bars.match(/<path /g) ?? []).length).toBe(49);
  });

  it("takes a screenshot that is far from blank", async () => {
    const png = join(dir, "report.png");
    await screenshot(html, png, 1280, 3600);
    const blankHtml = join(dir, "blank.html");
    await writeFile(blankHtml, "<!doctype html><html><body></body></html>");
    const blank = join(dir, "blank.png");
    await screenshot(blankHtml, blank, 1280, 3600);
    const [shot, empty] = [await stat(png), await stat(blank)];
    expect((await readFile(png)).subarray(1, 4).toString()).toBe("PNG");
    expect(shot.size).toBeGreaterThan(100_000);
    expect(shot.size).toBeGreaterThan(20 * empty.size);
    if (process.env.QUICKLEARN_KEEP_SCREENSHOT)
      await writeFile(process.env.QUICKLEARN_KEEP_SCREENSHOT, await readFile(png));
  });
});
