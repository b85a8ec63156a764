#!/usr/bin/env python3
"""Reference scorer for quicklearn's golden tests and benchmark: the official evaluations, in Python.

Variant `superni` mirrors SuperNI's compute_metrics.py (yizhongw/Tk-Instruct, default track): a new
rouge_score RougeScorer([metric], use_stemmer=True) per (prediction, reference) pair and metric, the
max over references per metric independently, exact match without article removal, 100 * sum / n.
Variant `thesis` mirrors the thesis authors' evaluation: the prediction against one reference (the
first listed), rouge_score with use_stemmer=True, exact match with SQuAD v1.1 normalization (articles
removed).

Needs the PyPI packages rouge-score and nltk (engine/requirements-dev.txt).

  reference-score.py score FILE.jsonl [--variant superni|thesis]   -> {"instances": [[em, r1, rL], ...], "report": {...}}
  reference-score.py stem < words.json                             -> JSON list of NLTK PorterStemmer() stems
  reference-score.py bench FILE.jsonl [--limit N]                  -> {"instances": n, "seconds": wall, "cpu_seconds": cpu}
"""

import argparse
import json
import re
import string
import sys
import time

from nltk.stem.porter import PorterStemmer
from rouge_score import rouge_scorer


# --- SuperNI compute_metrics.py, default (non-xlingual) track ------------------------------------
def normalize_answer(s):
    """Lower text and remove punctuation, and extra whitespace."""

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_punc(lower(s)))


def exact_match_score(prediction, ground_truth):
    return normalize_answer(prediction) == normalize_answer(ground_truth)


def rouge1_score(prediction, ground_truth):
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    scores = scorer.score(prediction=prediction, target=ground_truth)
    return scores["rouge1"].fmeasure


def rougeL_score(prediction, ground_truth):
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    scores = scorer.score(prediction=prediction, target=ground_truth)
    return scores["rougeL"].fmeasure


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    return max(metric_fn(prediction, ground_truth) for ground_truth in ground_truths)


def score_superni(prediction, references):
    return (
        metric_max_over_ground_truths(exact_match_score, prediction, references),
        metric_max_over_ground_truths(rouge1_score, prediction, references),
        metric_max_over_ground_truths(rougeL_score, prediction, references),
    )


# --- The thesis's evaluation: SQuAD v1.1 normalization, one reference ---------------------------
def squad_normalize_answer(s):
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


_THESIS_SCORER = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)


def score_thesis(prediction, references):
    reference = references[0]
    scores = _THESIS_SCORER.score(reference, prediction)
    return (
        squad_normalize_answer(prediction) == squad_normalize_answer(reference),
        scores["rouge1"].fmeasure,
        scores["rougeL"].fmeasure,
    )


# --- Aggregation as compute_metrics / compute_grouped_metrics: sums in input order -------------
def figures(sums, n):
    return {
        "exact_match": 100.0 * sums[0] / n,
        "rouge1": 100.0 * sums[1] / n,
        "rougeL": 100.0 * sums[2] / n,
        "n": n,
    }


def read_rows(path):
    # Split on "\n" only: U+2028, U+2029 and U+0085 may appear raw inside JSON strings.
    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def score_file(path, variant):
    score = score_thesis if variant == "thesis" else score_superni
    instances = []
    groups = {"overall": {}, "tasks": {}, "categories": {}}

    def add(group, key, s):
        acc = groups[group].setdefault(key, [0, 0, 0, 0])
        for i in range(3):
            acc[i] += s[i]
        acc[3] += 1

    for row in read_rows(path):
        s = score(row["prediction"], row["references"])
        instances.append([int(s[0]), s[1], s[2]])
        add("overall", "all", s)
        add("tasks", row["task"], s)
        add("categories", row.get("category", "unknown"), s)

    tasks = {k: figures(v, v[3]) for k, v in groups["tasks"].items()}
    overall = groups["overall"]["all"]
    macro = {
        key: sum(t[key] for t in tasks.values()) / len(tasks) for key in ("exact_match", "rouge1", "rougeL")
    }
    macro["n"] = overall[3]
    report = {
        "overall": figures(overall, overall[3]),
        "overall_macro": macro,
        "tasks": tasks,
        "categories": {k: figures(v, v[3]) for k, v in groups["categories"].items()},
    }
    return {"instances": instances, "report": report}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_score = sub.add_parser("score")
    p_score.add_argument("file")
    p_score.add_argument("--variant", choices=["superni", "thesis"], default="superni")
    sub.add_parser("stem")
    p_bench = sub.add_parser("bench")
    p_bench.add_argument("file")
    p_bench.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    if args.command == "score":
        json.dump(score_file(args.file, args.variant), sys.stdout)
    elif args.command == "stem":
        stemmer = PorterStemmer()
        json.dump([stemmer.stem(w) for w in json.load(sys.stdin)], sys.stdout)
    else:
        n = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        for row in read_rows(args.file):
            score_superni(row["prediction"], row["references"])
            n += 1
            if args.limit is not None and n >= args.limit:
                break
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
        json.dump({"instances": n, "seconds": seconds, "cpu_seconds": cpu_seconds}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
