"""Per-run overhead of single-task sweeps: what a run costs besides its training steps and generation.

    python -m quicklearn_engine.overhead [--model DIR] [--runs 5] [--device cpu] [--json]

Runs `--runs` single-task runs (100 train rows, 100 eval rows, 1 epoch) in one ModelCache, as a worker
does, and prints per run: restore of the base weights, optimizer/LoRA set-up, encoding, writing the
outputs, and the overhead total (everything but load, training steps and generation).
Without --model a tiny T5 is made in a temp folder.
"""

import argparse
import json
import random
import statistics
import tempfile
from pathlib import Path

from .fsutil import write_jsonl_atomic
from .models import ModelCache
from .run import execute
from .spec import parse_spec


def synthetic_rows(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    words = "the a task input output example definition answer question sentence title yes no".split()
    return [
        {
            "id": f"syn-{i}",
            "task": "synthetic",
            "category": "Synthetic",
            "source": "Definition: "
            + " ".join(rng.choice(words) for _ in range(rng.randint(40, 200)))
            + "\noutput: ",
            "target": " ".join(rng.choice(words) for _ in range(rng.randint(1, 8))),
            "references": [],
        }
        for i in range(n)
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m quicklearn_engine.overhead")
    p.add_argument("--model")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = args.model
        if model is None:
            from .tiny import make_tiny

            model = str(tmp / "tiny-t5")
            make_tiny("t5", model, vocab_size=500)
        write_jsonl_atomic(tmp / "train.jsonl", synthetic_rows(100, 1))
        write_jsonl_atomic(tmp / "eval.jsonl", synthetic_rows(100, 2))
        cache = ModelCache()
        runs = []
        for i in range(args.runs + 1):  # run 0 loads the model from disk; the rest restore it
            spec = parse_spec(
                {
                    "run_id": f"r{i}",
                    "model": model,
                    "device": args.device,
                    "output_dir": str(tmp / f"run{i}"),
                    "train": {"files": [str(tmp / "train.jsonl")], "epochs": 1, "checkpoints": False},
                    "eval": {"files": [str(tmp / "eval.jsonl")], "max_new_tokens": 8},
                }
            )
            runs.append(execute(spec, cache, lambda e: None)["stats"]["timings"])
    keys = [
        "restore_s",
        "train_setup_s",
        "encode_train_s",
        "encode_eval_s",
        "write_train_log_s",
        "write_predictions_s",
        "overhead_s",
        "train_s",
        "generate_s",
        "total_s",
    ]
    later = runs[1:]
    summary = {
        "model": args.model or "tiny-t5 (made here)",
        "device": args.device,
        "runs": args.runs,
        "first_run_load_model_s": runs[0]["load_model_s"],
        "median_per_run": {k: statistics.median(r.get(k, 0.0) for r in later) for k in keys},
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"model {summary['model']} on {args.device}: first load {summary['first_run_load_model_s']:.3f} s"
        )
        for k, v in summary["median_per_run"].items():
            print(f"  median {k:<22} {v * 1000:9.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
