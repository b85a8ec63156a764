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
import contextlib
import datetime
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from .attention import KERNELS, check_device, set_attention
from .data import Example
from .device import Placement, resolve_placement
from .fsutil import write_json_atomic, write_jsonl_atomic
from .generate import generate_batch_ids, length_batches
from .models import LoadedModel, restore
from .spec import parse_spec
from .train import make_optimizer, make_scheduler, train

SHAPES = {
    "t5-xl-shape": dict(d_model=2048, d_ff=5120, num_layers=24, num_decoder_layers=24, num_heads=32, d_kv=64),
    "t5-small-shape": dict(d_model=512, d_ff=1024, num_layers=8, num_decoder_layers=8, num_heads=6, d_kv=64),
    "t5-tiny-shape": dict(d_model=64, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=4, d_kv=16),
}
VOCAB = 32128
PAD, EOS = 0, 1
EFFECTIVE_BATCH = 12
LEARNING_RATE = 5e-5
H100_BF16_PEAK = 989e12
THESIS_EVAL_BATCH = 2
# The reference's kernel: transformers 5's default for T5 (the thesis's transformers 4 had only eager).
REFERENCE_ATTENTION = "sdpa"


def make_model(shape: str, device: torch.device, seed: int = 0) -> torch.nn.Module:
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(
        **SHAPES[shape],
        vocab_size=VOCAB,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        dropout_rate=0.1,
        pad_token_id=PAD,
        eos_token_id=EOS,
        decoder_start_token_id=PAD,
    )
    torch.manual_seed(seed)
    with device:  # initialise in place: a 3B model built on the CPU first takes minutes
        model = T5ForConditionalGeneration(config)
    # transformers 5 ties the LM head to the embedding at construction; the released v1.1 / Tk-Instruct
    # checkpoints have their own head (and load untied), so the benchmark model gets one too.
    if model.lm_head.weight is model.shared.weight:
        model.lm_head.weight = torch.nn.Parameter(model.shared.weight.detach().clone())
        model.config.tie_word_embeddings = False
    return model.float()


def synthetic_examples(n: int, seed: int, max_source: int = 1024) -> list[Example]:
    """SuperNI-like lengths: source log-normal around 380 tokens (clipped), target 1-24 tokens around 8."""
    g = torch.Generator().manual_seed(seed)
    src_len = torch.exp(torch.randn(n, generator=g) * 0.55 + math.log(330)).round().long()
    src_len = src_len.clamp(24, max_source)
    tgt_len = torch.exp(torch.randn(n, generator=g) * 0.6 + math.log(6.5)).round().long().clamp(1, 24)
    out = []
    for i in range(n):
        s, t = int(src_len[i]), int(tgt_len[i])
        ids = torch.randint(3, VOCAB, (s - 1 + t - 1,), generator=g).tolist()
        out.append(Example(i, f"syn-{i}", "synthetic", ids[: s - 1] + [EOS], ids[s - 1 :] + [EOS]))
    return out


def stack_params(model) -> tuple[int, int]:
    """(N_encoder, N_decoder): stack parameters without the token embedding (the LM head is the decoder's)."""
    emb = model.shared.weight.numel()
    enc = sum(p.numel() for p in model.encoder.parameters()) - emb
    dec = sum(p.numel() for p in model.decoder.parameters()) - emb + model.lm_head.weight.numel()
    return enc, dec


def flops_per_sample(model, examples: list[Example]) -> float:
    enc, dec = stack_params(model)
    src = sum(len(e.source_ids) for e in examples) / len(examples)
    tgt = sum(len(e.target_ids) for e in examples) / len(examples)
    return 6.0 * (enc * src + dec * tgt)


class Clock:
    def __init__(self, device: torch.device):
        self.device = device

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def now(self) -> float:
        self.sync()
        return time.perf_counter()

    def reset_peak(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()

    def peak_gb(self) -> float | None:
        return torch.cuda.max_memory_allocated() / 1e9 if self.device.type == "cuda" else None


# ---------------------------------------------------------------------------------------- the reference


def reference_train(
    model,
    examples: list[Example],
    placement: Placement,
    clock: Clock,
    warmup_steps: int = 1,
    lr: float = LEARNING_RATE,
):
    """The thesis recipe: batch 1, accumulation to 12, per-micro-batch mean loss / 12, AdamW, clip 1.0.

    Returns (samples/s over the steps after `warmup_steps`, per-step losses)."""
    device = placement.device
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0, foreach=device.type == "cuda")
    model.train()
    losses, timed, started = [], 0, None
    steps = len(examples) // EFFECTIVE_BATCH
    for step in range(steps):
        if step == warmup_steps:
            started = clock.now()
        group = examples[step * EFFECTIVE_BATCH : (step + 1) * EFFECTIVE_BATCH]
        step_loss = 0.0
        for ex in group:
            input_ids = torch.tensor([ex.source_ids], device=device)
            labels = torch.tensor([ex.target_ids], device=device)
            with placement.autocast():
                mask = torch.ones_like(input_ids)
                loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            (loss / len(group)).backward()  # the Trainer's per-micro-batch mean / accumulation steps
            step_loss += loss.item() * len(ex.target_ids)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(step_loss / sum(len(e.target_ids) for e in group))  # logged as the step's token mean
        if step >= warmup_steps:
            timed += len(group)
    elapsed = clock.now() - started if started is not None else float("nan")
    del optimizer
    model.eval()
    return timed / elapsed, losses


@torch.no_grad()
def reference_generate(model, examples: list[Example], placement: Placement, max_new_tokens: int):
    """HF generate, batch 2 in input order (the thesis's eval), greedy; token ids per example."""
    model.eval()
    out = []
    for i in range(0, len(examples), THESIS_EVAL_BATCH):
        batch = examples[i : i + THESIS_EVAL_BATCH]
        ids = generate_batch_ids(model, batch, PAD, EOS, True, placement, max_new_tokens, 1)
        out.extend(ids)
    return out


# ---------------------------------------------------------------------------------------- the engine


def engine_spec(gradient_checkpointing: bool, device: str, precision: str):
    return parse_spec(
        {
            "run_id": "bench",
            "model": "bench-random-init",
            "device": device,
            "precision": precision,
            "output_dir": "unused",
            "train": {
                "files": ["synthetic"],
                "epochs": 1,
                "learning_rate": LEARNING_RATE,
                "effective_batch_size": EFFECTIVE_BATCH,
                "checkpoints": False,
                "gradient_checkpointing": gradient_checkpointing,
            },
        }
    )


def engine_train(
    model, examples, placement: Placement, clock: Clock, gradient_checkpointing: bool, warmup_steps: int = 1
):
    spec = engine_spec(gradient_checkpointing, placement.device.type, placement.precision)
    with tempfile.TemporaryDirectory() as tmp:
        result = train(model, examples, spec, True, PAD, placement, Path(tmp) / "ckpt", lambda e: None)
    if gradient_checkpointing:
        model.gradient_checkpointing_disable()
    timed = result.log[warmup_steps:]  # warm-up steps: allocator, kernels, optimizer state
    seconds = sum(EFFECTIVE_BATCH / r["samples_per_s"] for r in timed)
    return len(timed) * EFFECTIVE_BATCH / seconds, [r["loss"] for r in result.log], spec


@torch.no_grad()
def engine_generate(
    model, examples, placement: Placement, max_new_tokens: int, batch_size: int, static: bool
):
    model.eval()
    out: list[list[int] | None] = [None] * len(examples)
    for batch in length_batches(examples, batch_size):
        ids = generate_batch_ids(model, batch, PAD, EOS, True, placement, max_new_tokens, 1, static)
        for ex, seq in zip(batch, ids, strict=True):
            out[ex.index] = seq
    return out


def restore_weights(model, pristine, device: torch.device) -> None:
    restore(LoadedModel(("bench",), model, None, True, "t5", device, pristine, 0.0, dirty=True))


@contextlib.contextmanager
def trainable_with(model, attention: str):
    """Switch the model to `attention` for training; under flex_attention (no dropout) T5's attention-
    probability dropout is off meanwhile. Yields the attention dropout rate the training ran with."""
    from transformers.models.t5.modeling_t5 import T5Attention

    set_attention(model, attention)
    flex = attention == "flex_attention"
    layers = [m for m in model.modules() if isinstance(m, T5Attention)] if flex else []
    rates = [m.dropout for m in layers]
    for m in layers:
        m.dropout = 0.0
    try:
        yield 0.0 if layers else model.config.dropout_rate
    finally:
        for m, rate in zip(layers, rates, strict=True):
            m.dropout = rate


def per_run_overhead(model, pristine, placement: Placement, spec, n_predictions: int, clock: Clock) -> float:
    """What a single-task run costs besides its steps: restore the base weights, set up the optimizer and
    scheduler, write predictions, train log and stats (as run.execute does)."""
    loaded = LoadedModel(("bench",), model, None, True, "t5", placement.device, pristine, 0.0, dirty=True)
    started = clock.now()
    restore(loaded)
    optimizer = make_optimizer(model, spec.train, placement.device)
    make_scheduler(optimizer, spec.train, 100)
    with tempfile.TemporaryDirectory() as tmp:
        rows = ({"id": f"syn-{i}", "task": "syn", "prediction": "some words"} for i in range(n_predictions))
        write_jsonl_atomic(Path(tmp) / "predictions.jsonl", rows)
        write_jsonl_atomic(Path(tmp) / "train_log.jsonl", ({"step": i, "loss": 1.0} for i in range(200)))
        write_json_atomic(Path(tmp) / "stats.json", {"run_id": "bench"})
    return clock.now() - started


# ---------------------------------------------------------------------------------------- main


def strip_special(seq: list[int]) -> list[int]:
    return [t for t in seq if t not in (PAD, EOS)]


def note(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


@dataclass
class Setup:
    """What both modes share: the device, the model and its pristine weights, the data, the sizes."""

    placement: Placement
    clock: Clock
    model: torch.nn.Module
    pristine: dict
    train_examples: list[Example]
    gen_examples: list[Example]
    steps: int
    gen_batch: int
    gradient_checkpointing: bool


def prepare(args) -> Setup:
    placement = resolve_placement(args.device, "auto")
    device = placement.device
    cuda = device.type == "cuda"
    check_device(args.attention, device)
    steps = args.steps if args.steps is not None else (8 if cuda else 2)
    gen_prompts = args.gen_prompts if args.gen_prompts is not None else (256 if cuda else 16)
    gen_batch = args.gen_batch if args.gen_batch is not None else (128 if cuda else 32)
    gc = args.gradient_checkpointing
    if gc is None:
        gc = args.model == "t5-xl-shape"  # 12 x 1,024 tokens of a 3B model: activations need it

    note(f"{args.model} on {device} ({placement.precision}), {torch.get_num_threads()} threads")
    model = make_model(args.model, device)
    if args.compile:
        model.compile(dynamic=True)
    pristine = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    if cuda:
        pristine = {k: v.pin_memory() for k, v in pristine.items()}
    n_train = (steps + args.warmup_steps) * EFFECTIVE_BATCH
    train_examples = synthetic_examples(n_train, seed=1)
    gen_examples = synthetic_examples(gen_prompts, seed=2)
    clock = Clock(device)
    return Setup(placement, clock, model, pristine, train_examples, gen_examples, steps, gen_batch, gc)


def device_text(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(0)}"
    return f"cpu: {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"


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
