import { join, resolve } from "node:path";
import {
  analyzeStudy,
  loadStudy,
  loadThesisResults,
  PublishedFigures,
  type Analysis,
  type BootstrapOptions,
  type CurveFitOptions,
} from "../analysis/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { renderCharts } from "./charts.js";
import { writeCsvTables } from "./csv.js";
import { renderHtml } from "./html.js";
import { writeLatexTables } from "./latex.js";
import { renderMarkdown } from "./markdown.js";
import { writePngCharts } from "./png.js";

export interface ReportOptions {
  /** HTML output; default STUDY/report.html. */
  out?: string;
  md?: string;
  csvDir?: string;
  pngDir?: string;
  /** Also write the main tables as LaTeX (booktabs) files into this folder. */
  latexDir?: string;
  bootstrap?: BootstrapOptions;
  /** Learning-curve fits (default: auto on every curve); false leaves them out (bench/report.ts). */
  curves?: CurveFitOptions | false;
}

export interface WrittenReport {
  analysis: Analysis;
  /** Every file written, in order. */
  written: string[];
}

/** Read a study and analyse it (the thesis's published figures join in for the thesis preset). */
export async function buildReport(
  studyDir: string,
  bootstrap?: BootstrapOptions,
  curves?: CurveFitOptions | false,
): Promise<Analysis> {
  const study = await loadStudy(studyDir);
  const published = study.preset === "thesis" ? new PublishedFigures(await loadThesisResults()) : null;
  return analyzeStudy(study, { bootstrap, published, curves });
}

/** The `quicklearn report` pipeline: analyse, render, write every requested output atomically. */
export async function writeReport(studyDir: string, options: ReportOptions = {}): Promise<WrittenReport> {
  const analysis = await buildReport(studyDir, options.bootstrap, options.curves);
  const charts = await renderCharts(analysis);
  const written: string[] = [];
  const html = resolve(options.out ?? join(studyDir, "report.html"));
  await writeFileAtomic(html, renderHtml(analysis, charts));
  written.push(html);
  if (options.md) {
    const md = resolve(options.md);
    await writeFileAtomic(md, renderMarkdown(analysis));
    written.push(md);
  }
  if (options.csvDir) written.push(...(await writeCsvTables(analysis, resolve(options.csvDir))));
  if (options.latexDir) written.push(...(await writeLatexTables(analysis, resolve(options.latexDir))));
  if (options.pngDir) written.push(...(await writePngCharts(charts, resolve(options.pngDir))));
  return { analysis, written };
}
