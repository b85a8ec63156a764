import { UserError } from "../util/errors.js";
import type { Instance, Task } from "../superni/index.js";

/**
 * How a task instance becomes a model input (the "source"). Pure and byte-exact:
 * - `thesis-def-pos`: the thesis's prompt (its data_prep.py): definition, k positive examples, the input.
 * - `plain`: the input alone, as the thesis's baselines saw it.
 * - `tk-instruct`: the format Tk-Instruct was trained with (definition + k positive examples), including its
 *   Python-side strip() and "add a period unless it ends in punctuation" rules.
 */
export const ENCODINGS = ["thesis-def-pos", "plain", "tk-instruct"] as const;
export type EncodingName = (typeof ENCODINGS)[number];

export const DEFAULT_ENCODING: EncodingName = "thesis-def-pos";
/** Positive examples shown by the encodings that show any. */
export const DEFAULT_POSITIVE_EXAMPLES = 2;

export function isEncoding(s: string): s is EncodingName {
  return (ENCODINGS as readonly string[]).includes(s);
}

export function parseEncoding(s: string): EncodingName {
  const e = s.trim();
  if (isEncoding(e)) return e;
  throw new UserError(`unknown encoding "${s}"`, `encodings: ${ENCODINGS.join(", ")}`);
}

export function parseEncodingList(s: string): EncodingName[] {
  const list = [
    ...new Set(
      s
        .split(",")
        .filter((x) => x.trim() !== "")
        .map(parseEncoding),
    ),
  ];
  if (list.length === 0) throw new UserError("no encoding given", `encodings: ${ENCODINGS.join(", ")}`);
  return list;
}

export interface EncodeOptions {
  /** Positive examples to show (default 2); a task with fewer shows the ones it has. */
  k?: number;
}

export function encode(
  encoding: EncodingName,
  task: Task,
  instance: Instance,
  opts: EncodeOptions = {},
): string {
  return encoder(encoding, task, opts)(instance);
}

/**
 * An encoder for one task: the part of the source that depends only on the task (definition and examples)
 * is built once, so encoding many instances costs one concatenation each.
 */
export function encoder(
  encoding: EncodingName,
  task: Task,
  opts: EncodeOptions = {},
): (instance: Instance) => string {
  const k = opts.k ?? DEFAULT_POSITIVE_EXAMPLES;
  if (!Number.isInteger(k) || k < 0) throw new UserError(`invalid number of positive examples: ${k}`);
  const examples = task.positiveExamples.slice(0, k);
  switch (encoding) {
    case "plain":
      return (inst) => "input: " + inst.input + "\noutput: ";
    case "thesis-def-pos": {
      let head = "Definition: " + task.definition + "\n";
      examples.forEach((ex, i) => {
        head += `Positive example ${i + 1}-\ninput: ` + ex.input + "\noutput: " + ex.output + "\n";
      });
      head += "Now complete the following example-\ninput: ";
      return (inst) => head + inst.input + "\noutput: ";
    }
    case "tk-instruct": {
      let head = dot("Definition: " + pyStrip(task.definition)) + "\n\n";
      examples.forEach((ex, i) => {
        const withInput = dot(` Positive Example ${i + 1} -\nInput: ` + pyStrip(ex.input));
        head += dot(withInput + "\n Output: " + pyStrip(ex.output)) + "\n\n";
      });
      return (inst) =>
        head + dot("Now complete the following example -\nInput: " + pyStrip(inst.input)) + "\nOutput: ";
    }
  }
}

/** Python's string.punctuation: the 32 ASCII punctuation characters. */
export const PY_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/** Tk-Instruct's rule: end a part with "." unless it already ends with a character of string.punctuation. */
export function dot(s: string): string {
  return s !== "" && PY_PUNCTUATION.includes(s[s.length - 1]!) ? s : s + ".";
}

/**
 * Python's str.isspace() set, which str.strip() and str.split() use. It differs from JavaScript's trim()
 * and /\s/: Python has U+001C..U+001F and U+0085 and lacks U+FEFF.
 */
export function isPySpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Python's str.strip() with no argument. */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s.charCodeAt(start))) start++;
  while (end > start && isPySpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** len(s.split()) in Python: the number of runs of non-whitespace characters (counted, not allocated). */
export function countWords(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const space = isPySpace(s.charCodeAt(i));
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}
