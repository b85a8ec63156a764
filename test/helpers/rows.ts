import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

const COLOURS = ["red", "green", "blue", "black", "white", "pink", "grey"];

/** `n` rows of a toy task in the `data build` JSONL shape: "colour i" -> a colour word, written to `file`. */
export async function writeColourRows(file: string, n: number): Promise<string> {
  const rows = COLOURS.slice(0, n).map((w, i) => ({
    id: `c-${i}`,
    task: "colours",
    category: "Toy",
    source: `input: colour ${i}\noutput: `,
    target: w,
    references: [w],
  }));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return file;
}
