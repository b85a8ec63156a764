import { normalizeSquad, normalizeSuperNI } from "./exact-match.js";
import { memoizeShort } from "./memo.js";
import { rouge1F, rougeLF } from "./rouge.js";
import { TokenCoder } from "./tokenize.js";

/**
 * `superni`: SuperNI's compute_metrics.py — every metric is the max over all references.
 * `thesis`: the thesis authors' evaluation — the prediction against one reference, exact match with
 * SQuAD normalization (articles removed). Their data kept a single reference per instance; with several
 * we use the first one listed (data builds put that first; docs/scoring.md).
 */
export type Variant = "superni" | "thesis";

export const VARIANTS: readonly Variant[] = ["superni", "thesis"];

/** Fractions in [0, 1]. */
export interface InstanceScores {
  exact_match: number;
  rouge1: number;
  rougeL: number;
}

/** Scores instances; keeps a token/stem cache across calls, which is where the speed comes from. */
export class InstanceScorer {
  private readonly coder = new TokenCoder();
  private readonly normalize: (text: string) => string;

  constructor(readonly variant: Variant = "superni") {
    this.normalize = memoizeShort(variant === "thesis" ? normalizeSquad : normalizeSuperNI);
  }

  score(prediction: string, references: readonly string[]): InstanceScores {
    if (references.length === 0) throw new Error("scoreInstance: an instance needs at least one reference");
    const targets = this.variant === "thesis" ? references.slice(0, 1) : references;
    const predictionTokens = this.coder.encode(prediction);
    const predictionNormalized = this.normalize(prediction);
    let exactMatch = 0;
    let rouge1 = 0;
    let rougeL = 0;
    // Each metric takes its own max: the best reference for one need not be the best for another.
    for (const reference of targets) {
      const referenceTokens = this.coder.encode(reference);
      rougeL = Math.max(rougeL, rougeLF(predictionTokens, referenceTokens));
      rouge1 = Math.max(rouge1, rouge1F(predictionTokens, referenceTokens));
      if (exactMatch === 0 && this.normalize(reference) === predictionNormalized) exactMatch = 1;
    }
    return { exact_match: exactMatch, rouge1, rougeL };
  }
}

const defaultScorers = new Map<Variant, InstanceScorer>();

/** One instance's scores: max over references per metric (thesis variant: the first reference only). */
export function scoreInstance(
  prediction: string,
  references: readonly string[],
  variant: Variant = "superni",
): InstanceScores {
  let scorer = defaultScorers.get(variant);
  if (scorer === undefined) {
    scorer = new InstanceScorer(variant);
    defaultScorers.set(variant, scorer);
  }
  return scorer.score(prediction, references);
}
