import { describe, expect, it } from "vitest";
import type { Task } from "../superni/index.js";
import { countWords, dot, encode, ENCODINGS, parseEncoding, pyStrip } from "./encodings.js";

const task: Task = {
  name: "task1_demo",
  definition: "  Classify the text\t",
  positiveExamples: [
    { input: " Hello world. \n", output: "positive " },
    { input: "Is it?", output: "neg\u0085  " },
    { input: "third", output: "never shown with k = 2" },
  ],
  categories: ["Sentiment Analysis"],
  category: "Sentiment Analysis",
  instances: [],
};
const inst = { id: "1", input: "\u00a0The movie was fine\u3000", output: ["ok"] };
const bang = { id: "2", input: " Great!\ufeff", output: ["ok"] };

describe("thesis-def-pos", () => {
  it("is the thesis's prompt, byte for byte, with nothing stripped", () => {
    expect(encode("thesis-def-pos", task, inst)).toBe(
      "Definition:   Classify the text\t\n" +
        "Positive example 1-\ninput:  Hello world. \n\noutput: positive \n" +
        "Positive example 2-\ninput: Is it?\noutput: neg\u0085  \n" +
        "Now complete the following example-\ninput: \u00a0The movie was fine\u3000\noutput: ",
    );
  });

  it("uses the examples a task has when it has fewer than k, and none for k = 0", () => {
    expect(encode("thesis-def-pos", { ...task, positiveExamples: [] }, inst)).toBe(
      "Definition:   Classify the text\t\nNow complete the following example-\ninput: \u00a0The movie was fine\u3000\noutput: ",
    );
    expect(encode("thesis-def-pos", task, inst, { k: 0 })).toBe(
      "Definition:   Classify the text\t\nNow complete the following example-\ninput: \u00a0The movie was fine\u3000\noutput: ",
    );
    expect(encode("thesis-def-pos", task, inst, { k: 5 })).toContain(
      "Positive example 3-\ninput: third\noutput: never",
    );
  });
});

describe("plain", () => {
  it("is the input alone", () => {
    expect(encode("plain", task, inst)).toBe("input: \u00a0The movie was fine\u3000\noutput: ");
    expect(encode("plain", task, { ...inst, input: "" })).toBe("input: \noutput: ");
  });
});

describe("tk-instruct", () => {
  it("strips with Python's whitespace set and adds periods unless punctuation ends a part", () => {
    expect(encode("tk-instruct", task, inst)).toBe(
      "Definition: Classify the text.\n\n" +
        " Positive Example 1 -\nInput: Hello world.\n Output: positive.\n\n" +
        " Positive Example 2 -\nInput: Is it?\n Output: neg.\n\n" +
        "Now complete the following example -\nInput: The movie was fine.\nOutput: ",
    );
  });

  it("keeps U+FEFF (Python does not strip it), so a period follows it", () => {
    expect(encode("tk-instruct", { ...task, positiveExamples: [] }, bang)).toBe(
      "Definition: Classify the text.\n\nNow complete the following example -\nInput: Great!\ufeff.\nOutput: ",
    );
  });

  it("adds no period after any of Python's 32 punctuation characters, including in example outputs", () => {
    const t = {
      ...task,
      definition: "Answer with a letter:",
      positiveExamples: [{ input: "(x)", output: "`b`" }],
    };
    expect(encode("tk-instruct", t, { id: "3", input: "Why~", output: ["a"] })).toBe(
      "Definition: Answer with a letter:\n\n" +
        " Positive Example 1 -\nInput: (x)\n Output: `b`\n\n" +
        "Now complete the following example -\nInput: Why~\nOutput: ",
    );
  });

  it("the example's second period looks at the whole part built so far (an empty output)", () => {
    const t = { ...task, positiveExamples: [{ input: "a", output: " \u2028 " }] };
    expect(encode("tk-instruct", t, inst, { k: 1 })).toContain(
      " Positive Example 1 -\nInput: a.\n Output: .\n\n",
    );
  });
});

describe("helpers", () => {
  it("dot follows string.punctuation exactly", () => {
    for (const p of "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") expect(dot("a" + p)).toBe("a" + p);
    for (const c of ["a", " ", "…", "。", "！", "\u201d"]) expect(dot("a" + c)).toBe("a" + c + ".");
  });

  it("pyStrip and countWords use Python's whitespace (U+001C..U+001F, U+0085; not U+FEFF, U+200B)", () => {
    expect(pyStrip("\x1c\x1d\x1e\x1f\x85 a b \u3000\u2029")).toBe("a b");
    expect(pyStrip("\ufeffa\u200b")).toBe("\ufeffa\u200b");
    expect(countWords("  a\x1fb\u0085c\u00a0d\ufeffe\u200bf  ")).toBe(4);
    expect(countWords("")).toBe(0);
  });

  it("lists the three encodings and rejects others", () => {
    expect(ENCODINGS).toEqual(["thesis-def-pos", "plain", "tk-instruct"]);
    expect(() => parseEncoding("tk")).toThrow(/unknown encoding "tk"/);
  });
});
