/**
 * Strict UTF-8 for files a user gives (task files, predictions): a Latin-1 or UTF-16 file must be refused
 * with the place of its first bad byte, never turned into replacement characters. TextDecoder's fatal mode
 * says that a file is bad but not where, hence the scan below.
 */

/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or `b.length` when there is none. A sequence cut short by a byte that does not
 * continue it is reported at its lead byte: in Latin-1 "café " the bad byte is the 0xe9, not the space.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf)) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/** Where the first bad byte of `bytes` is: its offset, value and 1-based line ("\n"-separated). */
export interface Utf8Fault {
  offset: number;
  byte: number;
  line: number;
}

/** The first ill-formed sequence of `bytes`, or null when they are valid UTF-8. */
export function findUtf8Fault(bytes: Uint8Array): Utf8Fault | null {
  const offset = firstInvalidUtf8(bytes);
  if (offset >= bytes.length) return null;
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return { offset, byte: bytes[offset]!, line };
}

/** "invalid byte 0xe9 at byte offset 449". */
export function describeUtf8Fault(f: Utf8Fault): string {
  return `invalid byte 0x${f.byte.toString(16).padStart(2, "0")} at byte offset ${f.offset}`;
}
