import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../util/errors.js";
import { venvPython } from "../../util/paths.js";
import { formatOf, readTable } from "./read.js";
import type { ImportFormat, SourceTable } from "./table.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "quicklearn-import-read-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function table(
  name: string,
  content: string | Uint8Array,
  format?: ImportFormat,
): Promise<SourceTable> {
  const path = join(dir, name);
  await writeFile(path, content);
  return readTable(path, format ?? formatOf(path));
}

async function failure(name: string, content: string | Uint8Array, format?: ImportFormat): Promise<string> {
  try {
    await table(name, content, format);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const message = (e as Error).message;
    expect(message).not.toContain("\n");
    return message.replace(dir + "/", "");
  }
  throw new Error("expected a UserError");
}

const cells = (t: SourceTable) => t.rows.map((r) => Object.fromEntries(r.cells));

describe("CSV and TSV", () => {
  it("reads quotes, doubled quotes, embedded newlines, CRLF, unicode and a BOM", async () => {
    const csv = '\uFEFFtext,label\r\n"Hello, ""world""\nsecond line",positif\r\nnaïve café 日本,négatif\r\n';
    const t = await table("a.csv", csv);
    expect(t.columns).toEqual(["text", "label"]);
    expect(cells(t)).toEqual([
      { text: 'Hello, "world"\nsecond line', label: "positif" },
      { text: "naïve café 日本", label: "négatif" },
    ]);
    // A record's line is where it starts: row 2 starts on line 4, after row 1's embedded newline.
    expect(t.rows.map((r) => r.at)).toEqual([`${dir}/a.csv:2 (row 1)`, `${dir}/a.csv:4 (row 2)`]);
  });

  it("keeps a quote inside an unquoted field as text, and skips blank lines", async () => {
    const t = await table("b.csv", 'text,label\n\nHe said "hi",x\n\n');
    expect(cells(t)).toEqual([{ text: 'He said "hi"', label: "x" }]);
    expect(t.rows[0]!.at).toMatch(/b\.csv:3 \(row 1\)$/);
    const crlf = await table("b2.csv", 'a,b\r\n\r\n"x\r\ny",1\r\n\r\nz,2\r\n');
    expect(crlf.rows.map((r) => r.at.replace(dir + "/", ""))).toEqual([
      "b2.csv:3 (row 1)",
      "b2.csv:6 (row 2)",
    ]);
  });

  it("reads TSV by extension, commas being text there", async () => {
    const t = await table("c.tsv", "q\ta\nwhat, then?\tyes\n");
    expect(cells(t)).toEqual([{ q: "what, then?", a: "yes" }]);
  });

  it("rejects a ragged row with its line, row and the header's width", async () => {
    expect(await failure("d.csv", 'a,b\n1,2\n"x\ny",2,3\n')).toBe(
      "d.csv:3 (row 2): 3 fields, but the header on line 1 has 2",
    );
  });

  it("rejects an unclosed quote, naming the line of the record that opened it", async () => {
    expect(await failure("e.csv", 'a,b\n1,2\n\n3,"open\n4,5\n')).toBe(
      "e.csv:4: cannot parse CSV: a quoted field opened in this record is never closed",
    );
  });

  it("rejects a header that names a column twice", async () => {
    expect(await failure("f.csv", "a,b,a\n1,2,3\n")).toBe(
      'f.csv:1: column "a" appears twice in the header (fields 1 and 3)',
    );
  });

  it("rejects an empty file, a blank file and a header without rows", async () => {
    expect(await failure("g.csv", "")).toBe("g.csv: empty file");
    expect(await failure("h.csv", "\uFEFF\n\n")).toBe("h.csv: empty file");
    expect(await failure("i.csv", "a,b\n")).toBe("i.csv: no data rows (only a header)");
  });

  it("rejects bytes that are not UTF-8, naming the line and byte offset", async () => {
    const latin1 = Buffer.concat([
      Buffer.from("text,label\nok,1\ncaf"),
      Buffer.from([0xe9]),
      Buffer.from(",2\n"),
    ]);
    expect(await failure("j.csv", latin1)).toBe(
      "j.csv:3: not valid UTF-8: invalid byte 0xe9 at byte offset 19",
    );
  });
});

describe("JSON lines and JSON", () => {
  it("reads one object per line, list cells kept as lists, columns in first-seen order", async () => {
    const t = await table("a.jsonl", '{"q":"1+1","a":["2","two"]}\n\n{"q":"ü","a":"x","extra":1}\n');
    expect(t.columns).toEqual(["q", "a", "extra"]);
    expect(cells(t)).toEqual([
      { q: "1+1", a: ["2", "two"] },
      { q: "ü", a: "x", extra: 1 },
    ]);
    expect(t.rows.map((r) => r.at)).toEqual([`${dir}/a.jsonl:1 (row 1)`, `${dir}/a.jsonl:3 (row 2)`]);
  });

  it("names the line of invalid JSON and of a line that is not an object", async () => {
    expect(await failure("b.jsonl", '{"q":"a"}\n{"q": }\n')).toMatch(/^b\.jsonl:2 \(row 2\): invalid JSON: /);
    expect(await failure("c.jsonl", '{"q":"a"}\n["q"]\n')).toBe(
      "c.jsonl:2 (row 2): expected a JSON object, got a list",
    );
  });

  it("reads a JSON list of objects, and names the row that is not one", async () => {
    const t = await table("d.json", '[{"q":"a","a":"b"},{"q":"c","a":["d"]}]');
    expect(cells(t)).toEqual([
      { q: "a", a: "b" },
      { q: "c", a: ["d"] },
    ]);
    expect(t.rows[1]!.at).toBe(`${dir}/d.json: row 2`);
    expect(await failure("e.json", '[{"q":"a"}, 3]')).toBe(
      "e.json: row 2: expected a JSON object, got a number",
    );
    expect(await failure("f.json", '{"q":"a"}')).toBe(
      "f.json: expected a JSON list of objects, got an object",
    );
    expect(await failure("g.json", "[]")).toBe("g.json: the list is empty: no rows to import");
  });
});

describe("formats", () => {
  it("takes the format from the extension, or --format", () => {
    expect(formatOf("x.CSV")).toBe("csv");
    expect(formatOf("x.ndjson")).toBe("jsonl");
    expect(formatOf("x.txt", "tsv")).toBe("tsv");
    expect(() => formatOf("x.txt")).toThrow(/x\.txt: cannot tell the format from the file name/);
  });

  it("a missing file is a one-line error", async () => {
    await expect(readTable(join(dir, "absent.csv"), "csv")).rejects.toThrow(/absent\.csv: file not found/);
  });
});

describe("Parquet written by pyarrow", () => {
  // Written at test time by the engine's Python (pyarrow is in engine/requirements-dev.txt), so the test
  // pins what pandas and polars users hand us: snappy (pyarrow's and pandas' default), zstd (polars'),
  // gzip, uncompressed; string, list<string>, int64 and binary columns.
  const script = `
import sys, pyarrow as pa, pyarrow.parquet as pq
t = pa.table({
  "text": ["héllo, \\"wörld\\"\\nline 2", "日本語", None],
  "labels": [["a", "b"], ["c"], []],
  "n": pa.array([1, 2, 3], pa.int64()),
  "raw": pa.array([b"ok", b"caf\\xe9", b"x"], pa.binary()),
})
for codec in ["snappy", "zstd", "gzip", "none"]:
    pq.write_table(t, f"{sys.argv[1]}/t_{codec}.parquet", compression=codec)
`;
  beforeAll(() => {
    execFileSync(venvPython(), ["-c", script, dir]);
  });

  it.each(["snappy", "zstd", "gzip", "none"])("reads %s", async (codec) => {
    const t = await readTable(join(dir, `t_${codec}.parquet`), "parquet");
    expect(t.columns).toEqual(["text", "labels", "n", "raw"]);
    const rows = cells(t);
    expect(rows.map((r) => r.text)).toEqual(['héllo, "wörld"\nline 2', "日本語", null]);
    expect(rows.map((r) => r.labels)).toEqual([["a", "b"], ["c"], []]);
    expect(rows.map((r) => r.n)).toEqual([1n, 2n, 3n]);
    expect(rows[0]!.raw).toBe("ok");
    expect(t.rows[2]!.at).toBe(`${dir}/t_${codec}.parquet: row 3`);
  });

  it("rejects a file that is not Parquet", async () => {
    expect(await failure("bad.parquet", "text,label\na,b\n")).toMatch(
      /^bad\.parquet: cannot read as Parquet: /,
    );
  });
});
