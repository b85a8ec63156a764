/**
 * The "Example:" block every command's help ends with (test/help.test.ts checks each has one):
 * `.addHelpText("after", example("run study.yaml studies/s1"))`.
 */
export function example(...commandLines: string[]): string {
  const heading = commandLines.length > 1 ? "Examples:" : "Example:";
  return `\n${heading}\n${commandLines.map((line) => `  $ quicklearn ${line}`).join("\n")}`;
}
