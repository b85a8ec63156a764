import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { UserError } from "../../util/errors.js";
import { decodeUtf8Cell } from "./text.js";
import { InvalidUtf8Cell, type SourceTable } from "./table.js";

/**
 * A Parquet file read whole with hyparquet (pure JavaScript; every codec pyarrow, pandas and polars write,
 * through hyparquet-compressors). List columns come back as arrays, 64-bit integers as bigints.
 */
export async function parseParquet(bytes: Uint8Array, file: string): Promise<SourceTable> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let columns: string[];
  let objects: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(buffer);
    columns = parquetSchema(metadata).children.map((c) => c.element.name);
    objects = await parquetReadObjects({
      file: buffer,
      metadata,
      compressors,
      // Strict UTF-8 per cell: hyparquet's default decoder would turn bad bytes into U+FFFD silently.
      parsers: { stringFromBytes: (b: Uint8Array) => b && (decodeUtf8Cell(b) ?? new InvalidUtf8Cell(b)) },
    });
  } catch (e) {
    throw new UserError(`${file}: cannot read as Parquet: ${(e as Error).message}`);
  }
  if (objects.length === 0) throw new UserError(`${file}: the Parquet file has no rows`);
  const rows = objects.map((o, i) => ({
    row: i + 1,
    at: `${file}: row ${i + 1}`,
    cells: new Map(Object.entries(o)),
  }));
  return { file, format: "parquet", columns, rows };
}
