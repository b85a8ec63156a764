/**
 * ROUGE-L and ROUGE-1 F-measures over token-id sequences, as rouge_score computes them
 * (_score_lcs and _score_ngrams with n = 1, then scoring.fmeasure).
 */

/** rouge_score's scoring.fmeasure, operation for operation: 2PR/(P+R) differs from 2L/(lp+lr) in the last bits. */
export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** ROUGE-L F: 0 when either side has no tokens (even both). */
export function rougeLF(prediction: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (prediction.length === 0 || reference.length === 0) return 0;
  const lcs = lcsLength(prediction, reference);
  return fmeasure(lcs / prediction.length, lcs / reference.length);
}

/** ROUGE-1 F from the clipped unigram overlap. */
export function rouge1F(prediction: ArrayLike<number>, reference: ArrayLike<number>): number {
  const overlap = unigramOverlap(prediction, reference);
  return fmeasure(overlap / Math.max(prediction.length, 1), overlap / Math.max(reference.length, 1));
}

// Scratch space indexed by token id, reused across calls; a generation stamp replaces clearing.
let stamp = new Int32Array(1 << 12);
let slotOf = new Int32Array(1 << 12);
let generation = 0;

function nextGeneration(a: ArrayLike<number>): number {
  let maxId = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > maxId) maxId = a[i]!;
  if (maxId >= stamp.length) {
    let size = stamp.length;
    while (size <= maxId) size *= 2;
    const grownStamp = new Int32Array(size);
    grownStamp.set(stamp);
    stamp = grownStamp;
    const grownSlot = new Int32Array(size);
    grownSlot.set(slotOf);
    slotOf = grownSlot;
  }
  if (generation === 0x7fffffff) {
    stamp.fill(0);
    generation = 0;
  }
  return ++generation;
}

/** Sum over distinct tokens of min(count in prediction, count in reference). */
export function unigramOverlap(prediction: ArrayLike<number>, reference: ArrayLike<number>): number {
  const gen = nextGeneration(reference);
  const counts = slotOf;
  for (let i = 0; i < reference.length; i++) {
    const id = reference[i]!;
    if (stamp[id] !== gen) {
      stamp[id] = gen;
      counts[id] = 0;
    }
    counts[id]!++;
  }
  let overlap = 0;
  for (let i = 0; i < prediction.length; i++) {
    const id = prediction[i]!;
    if (id < stamp.length && stamp[id] === gen && counts[id]! > 0) {
      counts[id]!--;
      overlap++;
    }
  }
  return overlap;
}

let masks = new Uint32Array(1 << 12);
let row = new Uint32Array(64);

/**
 * Length of the longest common subsequence, bit-parallel (Hyyrö 2004): one bit per position of the
 * shorter sequence, one word-wide add per token of the longer one that occurs in the shorter;
 * O(n * ceil(m / 32)) instead of the m x n table.
 */
export function lcsLength(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const [a, b] = x.length <= y.length ? [x, y] : [y, x];
  const m = a.length;
  if (m === 0) return 0;
  const words = (m + 31) >>> 5;
  const gen = nextGeneration(a);
  // Match masks: for each distinct token of `a`, the bit set of its positions.
  let slots = 0;
  for (let i = 0; i < m; i++) {
    const id = a[i]!;
    if (stamp[id] !== gen) {
      stamp[id] = gen;
      slotOf[id] = slots++;
      if (slots * words > masks.length) {
        const grown = new Uint32Array(Math.max(masks.length * 2, slots * words));
        grown.set(masks);
        masks = grown;
      }
      masks.fill(0, (slots - 1) * words, slots * words);
    }
    masks[slotOf[id]! * words + (i >>> 5)]! |= 1 << (i & 31);
  }
  return words === 1 ? lcsOneWord(b, gen, m) : lcsMultiWord(b, gen, m, words);
}

function lcsOneWord(b: ArrayLike<number>, gen: number, m: number): number {
  let v = 0xffffffff;
  for (let j = 0; j < b.length; j++) {
    const id = b[j]!;
    if (id >= stamp.length || stamp[id] !== gen) continue; // no match: the row is unchanged
    const match = masks[slotOf[id]!]!;
    const u = (v & match) >>> 0;
    v = ((v + u) | (v & ~match)) >>> 0;
  }
  const unset = m === 32 ? ~v : ~v & ((1 << m) - 1);
  return popcount(unset >>> 0);
}

function lcsMultiWord(b: ArrayLike<number>, gen: number, m: number, words: number): number {
  if (row.length < words) row = new Uint32Array(words * 2);
  row.fill(0xffffffff, 0, words);
  for (let j = 0; j < b.length; j++) {
    const id = b[j]!;
    if (id >= stamp.length || stamp[id] !== gen) continue;
    const base = slotOf[id]! * words;
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const v = row[w]!;
      const match = masks[base + w]!;
      const sum = v + ((v & match) >>> 0) + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      row[w] = (sum | (v & ~match)) >>> 0;
    }
  }
  let lcs = 0;
  for (let w = 0; w < words; w++) {
    const bits = w === words - 1 && m % 32 !== 0 ? (1 << (m % 32)) - 1 : 0xffffffff;
    lcs += popcount((~row[w]! & bits) >>> 0);
  }
  return lcs;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
