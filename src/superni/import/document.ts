import type { Instance } from "../task.js";
import type { Example } from "./examples.js";

/** What a task file says about the task besides its examples and instances. */
export interface TaskHeader {
  definition: string;
  category: string;
  /** Where the instances came from (the imported file's name). */
  source: string;
}

/**
 * A task file in the SuperNI schema, fields in the upstream order; the header fields quicklearn cannot
 * know (contributors, URL, languages, domains, license) are empty lists, as upstream writes unknowns.
 */
export function taskDocument(
  header: TaskHeader,
  examples: Example[],
  instances: Instance[],
): Record<string, unknown> {
  return {
    Contributors: [],
    Source: [header.source],
    URL: [],
    Categories: [header.category],
    Reasoning: [],
    Definition: [header.definition],
    Input_language: [],
    Output_language: [],
    Instruction_language: [],
    Domains: [],
    "Positive Examples": examples.map((e) => ({
      input: e.input,
      output: e.output,
      explanation: e.explanation,
    })),
    "Negative Examples": [],
    Instances: instances.map((i) => ({ id: i.id, input: i.input, output: i.output })),
    "Instance License": [],
  };
}

/** Serialized as upstream serializes task files (one-space indent), ending in a newline. */
export function taskFileText(document: Record<string, unknown>): string {
  return JSON.stringify(document, null, 1) + "\n";
}
