export { renderHtml } from "./html.js";
export { renderMarkdown } from "./markdown.js";
export { csvTables, writeCsvTables } from "./csv.js";
export { escapeLatex, latexTables, writeLatexTables } from "./latex.js";
export { renderCharts, renderSvg, curveSpec, groupSpec, type Chart } from "./charts.js";
export { reportJson } from "./json.js";
export { escapeHtml, escapeMarkdown } from "./format.js";
export { buildReport, writeReport, type ReportOptions, type WrittenReport } from "./build.js";
