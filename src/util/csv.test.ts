import { describe, expect, it } from "vitest";
import { toCsv } from "./csv.js";

describe("toCsv (results.csv and the report's tables)", () => {
  it("quotes by RFC 4180, rounds numbers, leaves empties empty", () => {
    expect(toCsv(["a", "b", "c"], [['x,"y"', 1 / 3, null]])).toBe('a,b,c\n"x,""y""",0.333333,\n');
    expect(toCsv(["a"], [["two\nlines"], [Number.NaN], [undefined]])).toBe('a\n"two\nlines"\n\n\n');
  });

  it("defuses every formula start a spreadsheet runs: = + - @ tab CR (issue 18)", () => {
    const bad = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"];
    const lines = toCsv(
      ["v"],
      bad.map((v) => [v]),
    )
      .split("\n")
      .slice(1, -1);
    expect(lines).toEqual([
      `"'=HYPERLINK(""http://x"",""y"")"`,
      "'+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tx",
      `"'\rx"`,
    ]);
    // Numbers are numbers: a negative figure is not text and keeps its sign.
    expect(toCsv(["v"], [[-1.5]])).toBe("v\n-1.5\n");
  });
});
