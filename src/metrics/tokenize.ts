import { memoizeShort } from "./memo.js";
import { porterStem } from "./porter.js";

/**
 * rouge_score's tokenizer (tokenize.tokenize with use_stemmer=True): lowercase with full Unicode rules,
 * keep maximal runs of ASCII [a-z0-9] (so accented and non-Latin letters split or vanish, as in the
 * original), stem tokens longer than 3 characters with NLTK's Porter stemmer.
 */
const TOKEN_RE = /[a-z0-9]+/g;

/** The token strings, stemmed: what rouge_score compares. Use TokenCoder in hot loops. */
export function rougeTokens(text: string): string[] {
  const out: string[] = [];
  for (const [token] of text.toLowerCase().matchAll(TOKEN_RE))
    out.push(token.length > 3 ? porterStem(token) : token);
  return out;
}

/**
 * Tokenizes into small integer ids, one per distinct stem, so that comparisons are integer compares.
 * Stemming dominates the original's cost; the token -> id cache makes each distinct word cost once.
 * The cache is an open-addressing table probed with a hash computed while scanning, so a known token
 * costs no string allocation. It is emptied when it reaches `maxCached` tokens, so memory stays bounded
 * on endless streams; stem ids stay stable across that.
 */
export class TokenCoder {
  private readonly idOfStem = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  private ids = new Int32Array(0);
  private mask = 0;
  private cached = 0;

  /** Whole short texts -> ids; callers must not modify the arrays encode() returns. */
  readonly encode: (text: string) => readonly number[];

  constructor(private readonly maxCached = 1 << 20) {
    this.resize(1 << 12);
    this.encode = memoizeShort((text) => this.encodeText(text));
  }

  /** Number of distinct stem ids handed out so far (ids are 0 .. size-1). */
  get size(): number {
    return this.idOfStem.size;
  }

  private encodeText(text: string): number[] {
    const ids: number[] = [];
    const lower = text.toLowerCase();
    // The runs of TOKEN_RE, scanned by hand while hashing them (FNV-1a).
    let start = -1;
    let hash = 0;
    for (let i = 0; i <= lower.length; i++) {
      const c = i < lower.length ? lower.charCodeAt(i) : 0;
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        if (start < 0) {
          start = i;
          hash = 0x811c9dc5;
        }
        hash = Math.imul(hash ^ c, 0x01000193);
      } else if (start >= 0) {
        ids.push(this.idOf(lower, start, i, hash));
        start = -1;
      }
    }
    return ids;
  }

  /** The id of the stem of lower[start, end), from the table or by stemming once. */
  private idOf(lower: string, start: number, end: number, hash: number): number {
    const length = end - start;
    let slot = hash & this.mask;
    for (let key = this.keys[slot]; key !== undefined; key = this.keys[slot]) {
      if (key.length === length && lower.startsWith(key, start)) return this.ids[slot]!;
      slot = (slot + 1) & this.mask;
    }
    const token = lower.slice(start, end);
    const id = this.internStem(token.length > 3 ? porterStem(token) : token);
    if (2 * (this.cached + 1) > this.keys.length) {
      // Full: grow, or start afresh once at the bound.
      this.resize(this.keys.length >= 2 * this.maxCached ? this.keys.length : this.keys.length * 2);
      slot = hash & this.mask;
      while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
    }
    this.keys[slot] = token;
    this.ids[slot] = id;
    this.cached++;
    return id;
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldIds = this.ids;
    const keep = capacity > oldKeys.length;
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.ids = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.cached = 0;
    if (!keep) return;
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i];
      if (key === undefined) continue;
      let slot = hashOf(key) & this.mask;
      while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.ids[slot] = oldIds[i]!;
      this.cached++;
    }
  }

  private internStem(stem: string): number {
    let id = this.idOfStem.get(stem);
    if (id === undefined) {
      id = this.idOfStem.size;
      this.idOfStem.set(stem, id);
    }
    return id;
  }
}

function hashOf(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return hash;
}
