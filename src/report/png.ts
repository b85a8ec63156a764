import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { UserError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import type { Chart } from "./charts.js";

const run = promisify(execFile);

/** A Chromium binary: $CHROMIUM, else the usual Debian/Ubuntu names. */
export function findChromium(): string | null {
  const candidates = [
    process.env.CHROMIUM,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

/** Screenshot a local HTML file with headless Chromium (no network: the page has no remote resources). */
export async function screenshot(
  htmlPath: string,
  pngPath: string,
  width: number,
  height: number,
): Promise<void> {
  const chromium = findChromium();
  if (!chromium) {
    throw new UserError(
      "PNG export needs Chromium, which was not found",
      "install it (apt-get install chromium) or set CHROMIUM=/path/to/chrome",
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "quicklearn-chromium-"));
  try {
    await run(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=2",
        `--user-data-dir=${profile}`,
        `--screenshot=${pngPath}`,
        `--window-size=${width},${height}`,
        `file://${htmlPath}`,
      ],
      { timeout: 60_000 },
    );
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Each chart as DIR/<chart id>.png (2x scale), rendered from its SVG by headless Chromium. */
export async function writePngCharts(charts: Chart[], dir: string): Promise<string[]> {
  const work = await mkdtemp(join(tmpdir(), "quicklearn-png-"));
  const written: string[] = [];
  try {
    for (const c of charts) {
      const width = Number(c.svg.match(/width="(\d+(?:\.\d+)?)"/)?.[1] ?? 800);
      const height = Number(c.svg.match(/height="(\d+(?:\.\d+)?)"/)?.[1] ?? 600);
      const html = join(work, `${c.id}.html`);
      await writeFile(
        html,
        `<!doctype html><html><body style="margin:0;background:white">${c.svg}</body></html>`,
      );
      const png = join(work, `${c.id}.png`);
      await screenshot(html, png, Math.ceil(width), Math.ceil(height));
      const target = join(dir, `${c.id}.png`);
      await writeFileAtomic(target, await readFile(png));
      written.push(target);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return written;
}
