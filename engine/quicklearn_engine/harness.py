"""The benchmark harness shared by bench.py (reference vs engine, the issue-5 contract) and levers.py
(one fast path at a time): model shapes, synthetic SuperNI-like data, the thesis recipe as a plain loop,
the engine's own train and generate paths, timing. bench.py's docstring says what is measured and how."""

import contextlib
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from .architecture import SEQ2SEQ
from .attention import check_device, set_attention
from .data import Example
from .device import Placement, resolve_placement
from .fsutil import write_json_atomic, write_jsonl_atomic
from .generate import generate_batch_ids, length_batches
from .generate_config import GenerateConfig
from .models import LoadedModel, restore
from .spec import parse_spec
from .train import make_optimizer, make_scheduler, train
from .train_config import resolve_train_config

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
    config = bench_generate_config(placement, max_new_tokens, THESIS_EVAL_BATCH, static=False)
    out = []
    for i in range(0, len(examples), THESIS_EVAL_BATCH):
        batch = examples[i : i + THESIS_EVAL_BATCH]
        out.extend(generate_batch_ids(model, batch, config))
    return out


def bench_generate_config(
    placement: Placement, max_new_tokens: int, batch_size: int, static: bool
) -> GenerateConfig:
    """Greedy on the synthetic T5 vocabulary, stopping at its eos alone: no run spec describes the bench."""
    return GenerateConfig(
        arch=SEQ2SEQ,
        placement=placement,
        pad_id=PAD,
        eos_id=EOS,
        stop_ids=(),
        max_new_tokens=max_new_tokens,
        num_beams=1,
        batch_size=batch_size,
        static_cache=static,
    )


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
        config = resolve_train_config(spec, SEQ2SEQ, PAD, placement, len(examples), Path(tmp) / "ckpt")
        result = train(model, examples, config, lambda e: None)
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
    config = bench_generate_config(placement, max_new_tokens, batch_size, static)
    out: list[list[int] | None] = [None] * len(examples)
    for batch in length_batches(examples, config.batch_size):
        ids = generate_batch_ids(model, batch, config)
        for ex, seq in zip(batch, ids, strict=True):
            out[ex.index] = seq
    return out


def restore_weights(model, pristine, device: torch.device) -> None:
    restore(LoadedModel(("bench",), model, None, SEQ2SEQ, "t5", device, pristine, 0.0, dirty=True))


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
    loaded = LoadedModel(("bench",), model, None, SEQ2SEQ, "t5", placement.device, pristine, 0.0, dirty=True)
    started = clock.now()
    restore(loaded)
    # A config for 100 steps: the scheduler's set-up cost does not depend on the count.
    config = resolve_train_config(spec, SEQ2SEQ, PAD, placement, 100 * EFFECTIVE_BATCH, Path("unused"))
    optimizer = make_optimizer(model, config)
    make_scheduler(optimizer, config)
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
