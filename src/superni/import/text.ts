import { UserError } from "../../util/errors.js";
import { firstInvalidUtf8 } from "../read.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decode a whole file strictly as UTF-8 (a leading BOM is dropped), or fail naming the line and byte
 * offset of the first bad byte: a file in Latin-1 or UTF-16 must not become replacement characters.
 */
export function decodeUtf8File(bytes: Uint8Array, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    const at = sequenceStart(bytes, firstInvalidUtf8(bytes));
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw new UserError(
      `${file}:${line}: not valid UTF-8: invalid byte ${hexByte(bytes[at])} at byte offset ${at}`,
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

export function hexByte(b: number | undefined): string {
  return b === undefined ? "0x??" : `0x${b.toString(16).padStart(2, "0")}`;
}

/**
 * Where the bad sequence around `at` starts: firstInvalidUtf8 points at the first byte that breaks it,
 * which for Latin-1 "café," is the comma after 0xe9; the user needs to see the 0xe9.
 */
export function sequenceStart(bytes: Uint8Array, at: number): number {
  for (let s = at - 1; s >= Math.max(0, at - 3); s--) {
    const c = bytes[s]!;
    if (c >= 0x80 && c <= 0xbf) continue;
    const length = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    return s + length > at ? s : at;
  }
  return at;
}
