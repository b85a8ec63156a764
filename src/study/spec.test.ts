import { describe, expect, it } from "vitest";
import { parseBudget } from "../data/budget.js";
import { UserError } from "../util/errors.js";
import { presetText } from "./presets.js";
import { formatPath, parseStudyYaml } from "./spec.js";

function errorOf(text: string): string {
  try {
    parseStudyYaml(text, "s.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("expected a UserError");
}

const base = `name: t
arms:
  - name: a
    model: org/m
    encoding: plain
    settings: [stl]
    budgets: [100]
  - name: b
    model: org/m
    encoding: plain
    settings: [mtl]
    budgets: [200]
  - name: c
    model: org/m
    encoding: plain
    settings: [stl]
    budgets: [lots, 10]
`;

describe("study spec", () => {
  it("names the path in the file and its line", () => {
    expect(errorOf(base)).toMatch(/^s\.yaml:17: arms\[2\]\.budgets\[0\]: expected a budget/);
  });

  it("checks budgets with the data build's one grammar, as written", () => {
    const withBudget = (b: string) => base.replace("budgets: [lots, 10]", `budgets: [${b}]`);
    for (const bad of ['"1.50%"', '"100.5%"', "1e3", "0x10", "2.5", '"01"', "0"])
      expect(errorOf(withBudget(bad)), bad).toMatch(
        /^s\.yaml:17: arms\[2\]\.budgets\[0\]: expected a budget, got /,
      );
    expect(errorOf(withBudget("1e3"))).toContain('got "1e3"');
    for (const good of ["1.5%", '"0.5%"', "100%", "1000", '"all"']) {
      const spec = parseStudyYaml(withBudget(good), "s.yaml");
      expect(spec.arms[2]!.budgets, good).toEqual([good.replace(/"/g, "")]);
      expect(() => parseBudget(spec.arms[2]!.budgets![0]!)).not.toThrow();
    }
  });

  it("says what a wrong value is, refuses path-like names and alias bombs (issue 18)", () => {
    const arm = "arms:\n  - name: x\n    model: org/m\n    encoding: plain\n    settings: [eval]\n";
    expect(errorOf(`name: t\nhyperparameters: {epochs: two}\n${arm}`)).toMatch(
      /s\.yaml:2: hyperparameters\.epochs: expected a number, got the string "two"/,
    );
    expect(errorOf(`name: t\nhyperparameters: {learning_rate: "3e-3"}\n${arm}`)).toMatch(
      /learning_rate: expected a number, got the string "3e-3"/,
    );
    expect(errorOf(`name: ".."\n${arm}`)).toMatch(/name: expected a name that starts with a letter or digit/);
    expect(errorOf(`name: t\nhyperparameters: {epochs: 1000000000000}\n${arm}`)).toMatch(
      /s\.yaml:2: hyperparameters\.epochs: at most 10,000 epochs \(got 1,000,000,000,000\)/,
    );
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [k, prev] of [
      ["b", "a"],
      ["c", "b"],
      ["d", "c"],
      ["e", "d"],
      ["f", "e"],
    ])
      laughs.push(`${k}: &${k} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    expect(errorOf(`${laughs.join("\n")}\nname: t\n${arm}`)).toMatch(
      /^s\.yaml: invalid YAML: Excessive alias count/,
    );
  });

  it("refuses a task listed twice, naming both positions", () => {
    const text = `name: t\ntasks: [a, b, a]\narms:\n  - name: x\n    model: org/m\n    encoding: plain\n    settings: [eval]\n`;
    expect(errorOf(text)).toMatch(/^s\.yaml:2: tasks\[2\]: "a" is listed twice \(positions 0 and 2\)/);
  });

  it("reports unknown fields, missing fields and YAML syntax with their place", () => {
    expect(errorOf("name: t\nbogus: 1\narms: []\n")).toMatch(/s\.yaml:1: \(top level\): unknown field bogus/);
    expect(errorOf("name: t\narms:\n  - name: a\n    encoding: plain\n    settings: [eval]\n")).toMatch(
      /s\.yaml:3: arms\[0\]\.model: required/,
    );
    expect(errorOf("name: t\narms: [\n")).toMatch(/^s\.yaml:\d+:\d+: invalid YAML/);
    expect(
      errorOf(base.replace("encoding: plain\n    settings: [mtl]", "encoding: fancy\n    settings: [mtl]")),
    ).toMatch(/s\.yaml:10: arms\[1\]\.encoding: /);
  });

  it("checks cross-references: from must name a prefinetune arm, which needs a prefinetune set", () => {
    const text = `name: t
arms:
  - name: p
    model: org/m
    encoding: plain
    settings: [prefinetune]
  - name: x
    from: q
    encoding: plain
    settings: [eval]
`;
    const msg = errorOf(text);
    expect(msg).toContain('arms[1].from: "q" is not a prefinetune arm');
    expect(msg).toContain("prefinetune: required");
  });

  it("parses both presets and normalises budgets to strings", () => {
    const thesis = parseStudyYaml(presetText("thesis"), "thesis");
    expect(thesis.arms.map((a) => a.name)).toEqual([
      "inst",
      "prefinetune-noinst",
      "B1",
      "B2",
      "B3",
      "zero-shot",
    ]);
    expect(thesis.arms[0]!.budgets).toEqual(["100", "200", "1000", "all"]);
    expect(parseStudyYaml(presetText("demo"), "demo").arms.length).toBe(7);
  });

  it("formats zod paths", () => {
    expect(formatPath(["arms", 2, "budgets", 0])).toBe("arms[2].budgets[0]");
  });
});
