import { UserError } from "../../util/errors.js";
import { describeUtf8Fault, findUtf8Fault, firstInvalidUtf8 } from "../../util/utf8.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decode a whole file strictly as UTF-8 (a leading BOM is dropped), or fail naming the line and byte
 * offset of the first bad byte: a file in Latin-1 or UTF-16 must not become replacement characters.
 */
export function decodeUtf8File(bytes: Uint8Array, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    const fault = findUtf8Fault(bytes);
    throw new UserError(
      `${file}${fault ? `:${fault.line}` : ""}: not valid UTF-8${fault ? `: ${describeUtf8Fault(fault)}` : ""}`,
      "save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`)",
    );
  }
}

/** Strict UTF-8 for one cell's bytes; undefined when they are not UTF-8. */
export function decodeUtf8Cell(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** "invalid byte 0xe9 at byte 3 of the cell", for a cell's bytes that are not UTF-8. */
export function describeCellFault(bytes: Uint8Array): string {
  const at = firstInvalidUtf8(bytes);
  return `invalid byte 0x${bytes[at]?.toString(16).padStart(2, "0") ?? "??"} at byte ${at} of the cell`;
}
