import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCurveStudy } from "../../test/fixtures/curve-study.js";
import { analyzeStudy, loadStudy, type Analysis } from "../analysis/index.js";
import { escapeLatex, latexTables, renderLatex, writeLatexTables } from "./latex.js";

describe("escapeLatex", () => {
  it("escapes every character LaTeX treats specially", () => {
    expect(escapeLatex("& % $ # _ { } ~ ^ \\")).toBe(
      "\\& \\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}",
    );
  });

  it("writes the report's symbols as math and a line break as a space", () => {
    expect(escapeLatex("≤ 10 × 2 – Δ\nnext")).toBe("$\\leq$ 10 $\\times$ 2 -- $\\Delta$ next");
  });
});

describe("renderLatex", () => {
  it("writes one booktabs table with escaped caption, head and cells, and a real minus", () => {
    const tex = renderLatex(
      { caption: "50% of B_1", head: ["Arm", "error"], rows: [["a&b", "-0.76"]], textColumns: 1 },
      "t.tex",
    );
    expect(tex.split("\n")).toEqual([
      "% Written by quicklearn report --latex. Needs only the booktabs package:",
      "% \\usepackage{booktabs} in the preamble, then \\input{this file}.",
      "\\begin{table}[htbp]",
      "\\centering",
      "\\caption{50\\% of B\\_1}",
      "\\label{tab:quicklearn-t}",
      "\\begin{tabular}{lr}",
      "\\toprule",
      "Arm & error \\\\",
      "\\midrule",
      "a\\&b & $-$0.76 \\\\",
      "\\bottomrule",
      "\\end{tabular}",
      "\\end{table}",
      "",
    ]);
  });
});

describe("report --latex tables", () => {
  let dir: string;
  let a: Analysis;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-latex-"));
    await writeCurveStudy(join(dir, "s"));
    a = analyzeStudy(await loadStudy(join(dir, "s")), { bootstrap: { resamples: 100, seed: 1 } });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the overall table, matching budgets, fitted budgets and backtests, escaping study names", async () => {
    const written = await writeLatexTables(a, join(dir, "tex"));
    expect(written.map((p) => p.slice(join(dir, "tex").length + 1))).toEqual([
      "overall.tex",
      "matching.tex",
      "fitted-budgets.tex",
      "backtests.tex",
    ]);
    expect((await readdir(join(dir, "tex"))).sort()).toEqual([
      "backtests.tex",
      "fitted-budgets.tex",
      "matching.tex",
      "overall.tex",
    ]);
    for (const tex of Object.values(latexTables(a))) {
      expect(tex).toMatch(/^% .*booktabs/);
      expect(tex).toMatch(/\\toprule\n[^\n]+\\\\\n\\midrule\n[\s\S]+\\bottomrule\n\\end\{tabular\}/);
      // Every body line: cells joined by " & " with no special character left bare.
      const body = tex.split("\\midrule\n")[1]!.split("\n\\bottomrule")[0]!;
      for (const line of body.split("\n"))
        expect(line.replace(/\\[&%$#_{}]|\\\\|\\[a-z]+(\{\})?|\$-\$|\$\\[a-z]+\$/g, "")).not.toMatch(
          /[%$#_{}~^\\]|[^ ]&|&[^ ]/,
        );
    }
    const overall = await readFile(join(dir, "tex", "overall.tex"), "utf8");
    expect(overall).toContain("B\\_2 \\& 50\\% \\{x\\} STL 10 & ");
    const fitted = await readFile(join(dir, "tex", "fitted-budgets.tex"), "utf8");
    expect(fitted).toContain("inst STL & 95 \\% of B3 STL all & ");
    expect(fitted).toContain("\\caption{Budget to reach each baseline (fitted curves)");
    expect(await readFile(join(dir, "tex", "backtests.tex"), "utf8")).toMatch(
      /inst STL & overall & auto & [\d.]+ & 1,000 & /,
    );
  });
});
