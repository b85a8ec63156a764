"""Engine speed benchmark (issue 5): the thesis recipe vs the engine, same process, same synthetic data.

    python -m quicklearn_engine.bench --model t5-xl-shape|t5-small-shape|t5-tiny-shape [--json]
        [--device cpu|cuda] [--steps N] [--gen-prompts N] [--out FILE] [--compile] [--static-cache]
        [--attention sdpa|eager|flex_attention] [--levers [--lever NAME ...]]

Prints one JSON object (the issue's contract):
    {"device", "reference": {"train_samples_per_s", "mfu", "peak_mem_gb", "gen_prompts_per_s"},
     "engine": {same keys, "per_run_overhead_s"}, "ratios": {"train", "gen"}}
`--out FILE` also writes it, with a "meta" object (model shape, settings, versions, date, whether the
engine's generations equal the reference's, the attention kernel of each path), for `quicklearn plan`
to read its samples/s from. `--levers` measures the engine's fast paths one at a time instead (levers.py).

Model: a randomly initialised T5 v1.1 of the named shape (gated-GELU, untied head, dropout 0.1 as the
released configs). Data: seeded synthetic SuperNI-like lengths, source ~380 tokens (log-normal, clipped
at 1,024, eos included), target ~8 tokens.

- reference = the thesis recipe (Hugging Face Seq2SeqTrainer as configured in the thesis): per-device
  batch 1, gradient accumulation to the effective batch 12 (each micro-batch's token-mean loss divided by
  the accumulation steps, as transformers 4.x's Trainer did), torch AdamW (foreach, not fused), clipping at
  1.0, bf16 autocast over fp32 weights on CUDA (fp32 on CPU). Written as the equivalent plain loop so that
  Trainer's logging and data loading don't blur the timing. Generation: HF `generate`, batch 2 in input
  order, greedy.
- engine = `train.train` and `generate.generate_batch_ids` as the worker runs them (length-bucketed
  micro-batches, fused AdamW on CUDA, large length-sorted generation batches), attention `--attention`.
  flex_attention has no dropout: with it the engine path trains with T5's attention-probability dropout
  off (hidden-state dropout stays), which meta records.

MFU = 6 x (N_encoder x source tokens + N_decoder x target tokens) / peak, with N the parameters of each
stack without the token embedding (the LM head counts to the decoder) and real (unpadded) tokens. Peak:
989e12 (H100 SXM dense bf16) on CUDA unless --peak-flops says otherwise; on CPU mfu is null unless
--peak-flops is given (no honest nominal peak for a shared CPU). peak_mem_gb: torch.cuda.max_memory_allocated
per phase on CUDA; null on CPU (the process RSS cannot be reset between phases).
Random-init models rarely emit eos, so each generation runs all `--gen-new-tokens` steps (default 16, about
twice the SuperNI target length).
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

import torch

from .attention import KERNELS, set_attention
from .fsutil import write_json_atomic
from .harness import (
    EFFECTIVE_BATCH,
    H100_BF16_PEAK,
    REFERENCE_ATTENTION,
    SHAPES,
    THESIS_EVAL_BATCH,
    device_text,
    engine_generate,
    engine_train,
    flops_per_sample,
    note,
    per_run_overhead,
    prepare,
    reference_generate,
    reference_train,
    restore_weights,
    strip_special,
    trainable_with,
)


def run_bench(args) -> tuple[dict, dict]:
    setup = prepare(args)
    placement, clock, model, pristine = setup.placement, setup.clock, setup.model, setup.pristine
    train_examples, gen_examples = setup.train_examples, setup.gen_examples
    steps, gen_batch, gc = setup.steps, setup.gen_batch, setup.gradient_checkpointing
    device = placement.device
    cuda = device.type == "cuda"
    gen_prompts, n_train = len(gen_examples), len(train_examples)
    peak = args.peak_flops if args.peak_flops is not None else (H100_BF16_PEAK if cuda else None)
    fps = flops_per_sample(model, train_examples)
    mfu = (lambda sps: sps * fps / peak) if peak else (lambda sps: None)

    note(f"reference training: {steps} steps of {EFFECTIVE_BATCH} after {args.warmup_steps} warm-up step(s)")
    set_attention(model, REFERENCE_ATTENTION)
    clock.reset_peak()
    ref_train, ref_losses = reference_train(model, train_examples, placement, clock, args.warmup_steps)
    ref_train_mem = clock.peak_gb()
    restore_weights(model, pristine, device)

    note(f"reference generation: {gen_prompts} prompts, batch {THESIS_EVAL_BATCH}")
    clock.reset_peak()
    t = clock.now()
    ref_out = reference_generate(model, gen_examples, placement, args.gen_new_tokens)
    ref_gen = gen_prompts / (clock.now() - t)
    ref_mem = max(x for x in (ref_train_mem, clock.peak_gb(), 0.0) if x is not None) if cuda else None

    static = ", static cache" if args.static_cache else ""
    note(f"engine generation: batch {gen_batch}, length-sorted{static}, {args.attention}")
    set_attention(model, args.attention)
    clock.reset_peak()
    t = clock.now()
    eng_out = engine_generate(
        model, gen_examples, placement, args.gen_new_tokens, gen_batch, args.static_cache
    )
    eng_gen = gen_prompts / (clock.now() - t)
    eng_gen_mem = clock.peak_gb()
    identical = sum(strip_special(a) == strip_special(b) for a, b in zip(ref_out, eng_out, strict=True))

    note(f"engine training (gradient checkpointing {'on' if gc else 'off'})")
    clock.reset_peak()
    with trainable_with(model, args.attention) as engine_attention_dropout:
        eng_train, eng_losses, spec = engine_train(
            model, train_examples, placement, clock, gc, args.warmup_steps
        )
    eng_mem = max(clock.peak_gb(), eng_gen_mem) if cuda else None
    overhead = per_run_overhead(model, pristine, placement, spec, gen_prompts, clock)

    r = lambda x: None if x is None else round(x, 6)  # noqa: E731
    result = {
        "device": device_text(device),
        "reference": {
            "train_samples_per_s": r(ref_train),
            "mfu": r(mfu(ref_train)),
            "peak_mem_gb": r(ref_mem),
            "gen_prompts_per_s": r(ref_gen),
        },
        "engine": {
            "train_samples_per_s": r(eng_train),
            "mfu": r(mfu(eng_train)),
            "peak_mem_gb": r(eng_mem),
            "gen_prompts_per_s": r(eng_gen),
            "per_run_overhead_s": r(overhead),
        },
        "ratios": {"train": r(eng_train / ref_train), "gen": r(eng_gen / ref_gen)},
    }
    from .run import library_versions

    meta = {
        "date": datetime.date.today().isoformat(),
        "model": args.model,
        "parameters": sum(p.numel() for p in model.parameters()),
        "precision": placement.precision,
        "steps": steps,
        "warmup_steps": args.warmup_steps,
        "effective_batch": EFFECTIVE_BATCH,
        "gradient_checkpointing": gc,
        "compile": args.compile,
        "static_cache": args.static_cache,
        "attention": {"reference": REFERENCE_ATTENTION, "engine": args.attention},
        "engine_attention_dropout": engine_attention_dropout,
        "gen_prompts": gen_prompts,
        "gen_batch": gen_batch,
        "gen_new_tokens": args.gen_new_tokens,
        "gen_identical": identical,
        "peak_flops": peak,
        "flops_per_sample": fps,
        "mean_source_tokens": sum(len(e.source_ids) for e in train_examples) / n_train,
        "mean_target_tokens": sum(len(e.target_ids) for e in train_examples) / n_train,
        "torch_threads": torch.get_num_threads(),
        "reference_losses": ref_losses,
        "engine_losses": eng_losses,
        "versions": library_versions(),
    }
    note(f"generations identical to the reference: {identical}/{gen_prompts}")
    return result, meta


def main(argv: list[str] | None = None) -> int:
    from .levers import LEVERS, run_levers

    p = argparse.ArgumentParser(prog="python -m quicklearn_engine.bench", description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, choices=sorted(SHAPES))
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--json", action="store_true", help="one-line JSON (default: the same object, indented)")
    p.add_argument("--steps", type=int, help="timed optimizer steps of 12 samples (default: 8 CUDA, 2 CPU)")
    p.add_argument("--gen-prompts", type=int, help="prompts per generation path (default: 256 CUDA, 16 CPU)")
    p.add_argument("--gen-batch", type=int, help="engine generation batch (default: 128 CUDA, 32 CPU)")
    p.add_argument("--gen-new-tokens", type=int, default=16)
    p.add_argument("--warmup-steps", type=int, default=1, help="untimed optimizer steps before timing")
    p.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=None,
                   help="engine only (default: on for t5-xl-shape)")  # fmt: skip
    p.add_argument("--compile", action="store_true", help="torch.compile the model (both paths)")
    p.add_argument("--static-cache", action="store_true", help="engine generation with a static KV cache")
    p.add_argument("--peak-flops", type=float, help="peak FLOP/s for MFU (default: 989e12 CUDA, none CPU)")
    p.add_argument("--attention", choices=KERNELS, default="sdpa", help="the engine path's attention kernel")
    p.add_argument("--levers", action="store_true", help="measure the engine's fast paths one at a time")
    p.add_argument("--lever", action="append", choices=LEVERS, help="with --levers: only these (repeatable)")
    p.add_argument("--out", help="also write the result, with a 'meta' object, to this JSON file")
    args = p.parse_args(argv)
    if args.levers and (args.compile or args.static_cache or args.attention != "sdpa"):
        p.error("--levers measures attention, compile and the static cache itself: leave those flags out")
    if args.lever and not args.levers:
        p.error("--lever goes with --levers")
    if args.steps is not None and args.steps < 1 or args.gen_prompts is not None and args.gen_prompts < 1:
        p.error("--steps and --gen-prompts must be at least 1")
    if args.warmup_steps < 0:
        p.error("--warmup-steps must be at least 0")
    threads = os.environ.get("QUICKLEARN_TORCH_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    from .errors import EngineError

    try:
        result, meta = run_levers(args) if args.levers else run_bench(args)
    except EngineError as e:
        print(f"bench: {e.code}: {e.message}", file=sys.stderr)
        return 2
    if args.out:
        write_json_atomic(Path(args.out), {**result, "meta": meta})
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
