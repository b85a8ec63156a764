// Help text (issue 18): every command's help wraps at the terminal width (no hard line breaks inside a
// sentence), uses one casing style (lower-case start unless the first word is a name, no final period),
// ends with an example of itself, and names the study directory the same way (the positional DIR).
import type { Command } from "@commander-js/extra-typings";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import { runCli } from "./helpers/cli.js";

interface Entry {
  path: string;
  cmd: Command;
}

function commands(cmd: Command, path: string[] = ["quicklearn"]): Entry[] {
  return [
    { path: path.join(" "), cmd },
    ...(cmd.commands as Command[]).flatMap((c) => commands(c, [...path, c.name()])),
  ];
}

/** The whole help of a command as the user sees it (with the after-text), at a given terminal width. */
function helpOf(cmd: Command, width: number): string {
  let text = "";
  cmd.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => width });
  cmd.outputHelp();
  return text;
}

/** Every text a user reads in a command's help: its description and those of its arguments and options. */
function descriptions(cmd: Command): { what: string; text: string }[] {
  const c = cmd as unknown as {
    registeredArguments: { name(): string; description: string }[];
    options: { flags: string; description: string; hidden: boolean }[];
  };
  return [
    { what: "description", text: cmd.description() },
    ...c.registeredArguments.map((a) => ({ what: `argument ${a.name()}`, text: a.description })),
    ...c.options.filter((o) => !o.hidden).map((o) => ({ what: o.flags, text: o.description })),
  ];
}

const program = buildProgram();
const all = commands(program);

describe("help text", () => {
  it("walks every command", () => {
    expect(all.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        "quicklearn",
        "quicklearn run",
        "quicklearn data build",
        "quicklearn model tiny",
      ]),
    );
  });

  it.each(all)("$path: no line break inside a description; one casing style", ({ cmd }) => {
    for (const { what, text } of descriptions(cmd)) {
      expect(text, what).not.toMatch(/\n/);
      // A lower-case start unless the first word is a name (SuperNI, HTML, GPU): never "Analyse ...".
      expect(text, what).not.toMatch(/^[A-Z][a-z]+\b/);
      expect(text, what).not.toMatch(/\.\s*$/);
    }
  });

  it.each(all)("$path: wraps at the terminal width", ({ cmd }) => {
    for (const width of [80, 120]) {
      const long = helpOf(cmd, width)
        .split("\n")
        // Usage lines and example command lines are code: they stay whole.
        .filter((line) => !/^(Usage:|\s+\$ quicklearn )/.test(line))
        .filter((line) => line.length > width);
      expect(long, `at ${width} columns`).toEqual([]);
    }
  });

  it.each(all)("$path: ends with an example of itself", ({ path, cmd }) => {
    const help = helpOf(cmd, 100);
    const block = /\nExamples?:\n((?: {2}\$ .*\n?)+)$/.exec(help);
    expect(block, help).not.toBeNull();
    for (const line of block![1]!.trimEnd().split("\n"))
      expect(line.trim().slice(2), "example starts with the command").toMatch(
        new RegExp(`^${path.replace(/^quicklearn/, "quicklearn")}(\\s|$)`),
      );
  });

  it("names the study directory DIR everywhere; --gpus is the one GPU flag", () => {
    for (const { path, cmd } of all) {
      for (const { what, text } of descriptions(cmd).slice(1)) {
        if (/^(the )?study directory/.test(text))
          expect(what, `${path}: the study directory is the positional DIR`).toBe("argument dir");
      }
      expect(helpOf(cmd, 100), path).not.toMatch(/--gpu\b|--study\b/);
    }
  });
});

describe("the old names still work (hidden from the help)", () => {
  it("run STUDY --out DIR: --out names the study directory", async () => {
    const r = await runCli(["run", "/nonexistent/q.yaml", "--out", "/nonexistent/dir"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^quicklearn: error: .*\/nonexistent\/q\.yaml/);
  });

  it("run STUDY without DIR says what is missing", async () => {
    const r = await runCli(["run", "/nonexistent/q.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no study directory given/);
    expect(r.stderr).toMatch(/quicklearn run STUDY\.yaml DIR/);
  });

  it("worker --study DIR and worker DIR read the same directory; both at once is an error", async () => {
    for (const args of [["--study", "/nonexistent/s"], ["/nonexistent/s"]]) {
      const r = await runCli(["worker", ...args, "--shard", "0/1", "--cpu"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/\/nonexistent\/s/);
    }
    const both = await runCli(["worker", "/a", "--study", "/b", "--shard", "0/1"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/study directory is given twice/);
  });

  it("worker --gpu K still parses; --gpus takes one index", async () => {
    const old = await runCli(["worker", "/nonexistent/s", "--gpu", "1", "--cpu"]);
    expect(old.stderr).toMatch(/--cpu and --gpu exclude each other/);
    const two = await runCli(["worker", "/nonexistent/s", "--gpus", "0,1"]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/--gpus 0,1: a worker runs on one GPU/);
  });
});
