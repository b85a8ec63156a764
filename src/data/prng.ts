import { createHash } from "node:crypto";

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit-state generator, ample for picking among a few
 * references. Returns floats in [0, 1) with 32 bits of randomness.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from key parts: the first 4 bytes (big-endian) of sha256(parts joined by NUL). */
export function seedFromKey(...parts: (string | number)[]): number {
  return createHash("sha256").update(parts.join("\u0000")).digest().readUInt32BE(0);
}

/**
 * The training target of an instance: one of its references, drawn with mulberry32 seeded by
 * seedFromKey(seed, task, instance id), index = floor(u * n) for the first draw u.
 * Keyed per instance, so the draw does not depend on which tasks, splits or budgets are built, or in
 * which order. A single reference is returned as is (the draw would pick it anyway).
 */
export function drawTarget(seed: number, task: string, id: string, references: readonly string[]): string {
  if (references.length === 1) return references[0]!;
  const u = mulberry32(seedFromKey(seed, task, id))();
  return references[Math.floor(u * references.length)]!;
}

/**
 * The training examples of data replicate r of a task: r = 0 is the train split in file order (the thesis's
 * prefix), r > 0 a Fisher-Yates shuffle seeded by seedFromKey(seed, task, "replicate", r). Budgets take
 * prefixes of it, so within a replicate the budgets are nested (Hoiem et al., 2021).
 */
export function replicateOrder<T>(items: readonly T[], seed: number, task: string, replicate: number): T[] {
  const out = [...items];
  if (replicate === 0) return out;
  const u = mulberry32(seedFromKey(seed, task, "replicate", replicate));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
