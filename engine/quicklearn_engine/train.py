"""The training loop, in the spirit of nanoGPT's train.py: `train` reads top to bottom (set up, resume, then
per step: its examples, one optimizer step, its log row, a checkpoint when due), each part a small function
below it. Settings come resolved in a TrainConfig (train_config.py); what differs between seq2seq and causal
LMs (batches, loss) from the model's Architecture (architecture.py).

Semantics (docs/engine.md has the why):
- Each optimizer step takes `effective_batch_size` examples from a seeded shuffle of the epoch, so the
  learning-rate semantics match the thesis (HF Trainer, batch x accumulation = 12) whatever the hardware.
- Those examples are sorted by length and split into micro-batches under `max_tokens_per_batch` padded
  tokens; gradients accumulate over the micro-batches.
- The loss is the mean over all target tokens of the step (sum over micro-batches / tokens in the step),
  so the result does not depend on how the step was split.
- A checkpoint holds weights (trainable ones for LoRA), optimizer, scheduler, RNG states and the step; the
  data order is a pure function of (seed, epoch), so a resumed run replays exactly what was left.
"""

import functools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from .architecture import Architecture
from .checkpoint import read_checkpoint, rng_state, set_rng_state, write_checkpoint
from .data import Example
from .distributed import Single
from .errors import EngineError
from .train_config import TrainConfig

PROGRESS_EVERY_S = 0.5


@dataclass
class TrainResult:
    model: torch.nn.Module  # the trained model (a peft wrapper under LoRA)
    log: list[dict] = field(default_factory=list)
    steps: int = 0
    resumed_from_step: int | None = None
    train_s: float = 0.0
    checkpoint_s: float = 0.0
    setup_s: float = 0.0


# ---------------------------------------------------------------------------------------------- batching


def step_groups(n: int, batch: int, seed: int, epoch: int) -> list[list[int]]:
    """The epoch's optimizer steps: a seeded shuffle cut into groups of `batch` (the last may be short)."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=g).tolist()
    return [order[i : i + batch] for i in range(0, n, batch)]


def micro_batches(
    group: list[Example], max_tokens: int, arch: Architecture, overhead_tokens: int | None = None
) -> list[list[Example]]:
    """Length-sorted micro-batches whose padded size stays under max_tokens (a lone long example still runs).

    Without `overhead_tokens`, batches are filled greedily up to the budget. With it, the split points of the
    sorted group minimise padded tokens + overhead_tokens per micro-batch (dynamic programming over the
    sorted order): a step of 12 sources from 100 to 1,000 tokens no longer pads every one to 1,000."""
    ordered = sorted(group, key=lambda e: (len(e.source_ids), len(e.target_ids)), reverse=True)
    if overhead_tokens is None:
        out: list[list[Example]] = []
        cur: list[Example] = []
        for ex in ordered:
            if cur and arch.padded_cost(cur + [ex]) > max_tokens:
                out.append(cur)
                cur = []
            cur.append(ex)
        if cur:
            out.append(cur)
        return out
    n = len(ordered)
    best = [0.0] + [math.inf] * n  # best[j]: cheapest split of ordered[:j]
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            cost = arch.padded_cost(ordered[i:j])
            if cost > max_tokens and i < j - 1:
                break  # longer segments only grow
            if best[i] + cost + overhead_tokens < best[j]:
                best[j], cut[j] = best[i] + cost + overhead_tokens, i
    out, j = [], n
    while j > 0:
        out.append(ordered[cut[j] : j])
        j = cut[j]
    return out[::-1]


# ------------------------------------------------------------------------------------------- set-up


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig):
    params = [p for p in model.parameters() if p.requires_grad]
    # Weight decay on matrices only (nanoGPT's rule); biases and norm gains are left alone.
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    if cfg.optimizer == "adafactor":
        from transformers.optimization import Adafactor

        return Adafactor(
            groups, lr=cfg.learning_rate, scale_parameter=False, relative_step=False, warmup_init=False
        )
    fused = cfg.placement.device.type == "cuda"
    return torch.optim.AdamW(groups, lr=cfg.learning_rate, betas=(0.9, 0.999), eps=1e-8, fused=fused)


def make_scheduler(optimizer, cfg: TrainConfig):
    from transformers import get_scheduler

    return get_scheduler(
        cfg.lr_schedule, optimizer, num_warmup_steps=cfg.warmup_steps, num_training_steps=cfg.total_steps
    )


def apply_lora(model: torch.nn.Module, cfg: TrainConfig):
    from peft import LoraConfig, get_peft_model

    lora = cfg.lora
    config = LoraConfig(
        task_type=cfg.arch.lora_task_type(),
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
    )
    try:
        return get_peft_model(model, config)
    except ValueError as e:
        raise EngineError("bad_spec", f"train.lora: {str(e).splitlines()[0]}") from None


# ------------------------------------------------------------------------------------------- the loop


def train(
    model: torch.nn.Module,
    examples: list[Example],
    cfg: TrainConfig,
    emit: Callable[[dict], None],
    par: Single | None = None,
    on_row: Callable[[dict], None] = lambda row: None,
) -> TrainResult:
    """`on_row` sees every row of the log, restored ones first (tracking.py writes them to TensorBoard)."""
    par = par or Single()  # data parallelism across processes (distributed.py); Single: one process
    started = time.perf_counter()
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    training = set_up(model, cfg, par)
    result = TrainResult(model=training.model)
    start_step = resume(training, cfg, par, result, emit)
    for row in result.log:
        on_row(row)
    result.setup_s = time.perf_counter() - started

    training.model.train()
    progress = Progress(cfg.total_steps, start_step, emit)
    train_started = time.perf_counter()
    for step in range(start_step, cfg.total_steps):
        step_started = time.perf_counter()
        group = step_examples(examples, cfg, step)
        loss, grad_norm, lr = optimizer_step(training, group, cfg, par)
        row = log_row(cfg, step, group, loss, grad_norm, lr, time.perf_counter() - step_started)
        result.log.append(row)
        on_row(row)
        result.steps = step + 1
        progress.report(row)
        if cfg.checkpoint and cfg.checkpoint.due(step + 1, cfg.steps_per_epoch, cfg.total_steps):
            result.checkpoint_s += save_checkpoint(training, cfg, par, result.log, emit)
    result.train_s = time.perf_counter() - train_started
    model = training.model
    del training  # AdamW's state (2x the weights) goes before unwrap gathers the full weights
    result.model = par.unwrap(model)
    result.model.eval()
    return result


@dataclass
class Training:
    """What a training changes: the model (a peft wrapper under LoRA), the module its forward and backward go
    through (the DDP or FSDP wrapper under torchrun), the plain model beneath, optimizer and schedule."""

    model: torch.nn.Module
    forward: torch.nn.Module
    base: torch.nn.Module
    params: list[torch.nn.Parameter]  # the trainable ones
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler


def set_up(model: torch.nn.Module, cfg: TrainConfig, par: Single) -> Training:
    base = model
    if cfg.lora is not None:
        model = apply_lora(model, cfg)
    if cfg.gradient_checkpointing:
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if cfg.lora is not None:
            base.enable_input_require_grads()
    forward = par.wrap(model, cfg.placement.device)
    optimizer = make_optimizer(model, cfg)
    scheduler = make_scheduler(optimizer, cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    return Training(model, forward, base, params, optimizer, scheduler)


@functools.lru_cache(maxsize=1)
def _epoch_groups(n: int, batch: int, seed: int, epoch: int) -> list[list[int]]:
    return step_groups(n, batch, seed, epoch)


def step_examples(examples: list[Example], cfg: TrainConfig, step: int) -> list[Example]:
    """The step's examples: the data order is a pure function of (seed, epoch)."""
    epoch, k = divmod(step, cfg.steps_per_epoch)
    return [examples[i] for i in _epoch_groups(len(examples), cfg.effective_batch_size, cfg.seed, epoch)[k]]


# ------------------------------------------------------------------------------------------- step


def optimizer_step(
    training: Training, group: list[Example], cfg: TrainConfig, par: Single
) -> tuple[float, float | None, float]:
    """Forward and backward over the group's micro-batches, then one update: (loss, grad norm, lr).

    The loss is the mean over all target tokens of the step (sum over micro-batches / tokens in the step),
    so the result does not depend on how the step was split."""
    n_tokens = sum(cfg.arch.predicted_tokens(e) for e in group)
    total_loss = 0.0
    # Under torchrun this process takes its share of the step; n_tokens stays the whole step's count.
    split = functools.partial(
        micro_batches,
        max_tokens=cfg.max_tokens_per_batch,
        arch=cfg.arch,
        overhead_tokens=cfg.micro_batch_overhead,
    )
    for mb, weight, last in par.micro_steps(group, split):
        batch = cfg.arch.collate(mb, cfg.pad_id, cfg.placement.device)
        with par.accumulating(training.forward, last):
            with cfg.placement.autocast():
                loss = cfg.arch.loss_sum(training.forward, training.base, batch)
            (loss * (weight * par.grad_scale) / max(n_tokens, 1)).backward()
        total_loss += loss.item() * weight
    total_loss = par.sum(total_loss)
    grad_norm = None
    if cfg.max_grad_norm is not None:
        norm = torch.nn.utils.clip_grad_norm_(training.params, cfg.max_grad_norm)
        grad_norm = float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)  # FSDP: a DTensor
    lr = training.scheduler.get_last_lr()[0]
    training.optimizer.step()
    training.scheduler.step()
    training.optimizer.zero_grad(set_to_none=True)
    return total_loss / max(n_tokens, 1), grad_norm, lr


# ------------------------------------------------------------------------------------------- log


def log_row(
    cfg: TrainConfig,
    step: int,
    group: list[Example],
    loss: float,
    grad_norm: float | None,
    lr: float,
    dt: float,
) -> dict:
    """The step's line of train_log.jsonl."""
    return {
        "step": step + 1,
        "epoch": round((step + 1) / cfg.steps_per_epoch, 4),
        "loss": loss,
        "lr": lr,
        "grad_norm": grad_norm,
        "samples_per_s": len(group) / dt,
        "tokens_per_s": sum(e.length for e in group) / dt,
    }


class Progress:
    """Progress events: after the first step of this process, the last, and at most every PROGRESS_EVERY_S."""

    def __init__(self, total_steps: int, start_step: int, emit: Callable[[dict], None]):
        self.total_steps, self.start_step, self.emit = total_steps, start_step, emit
        self.started = time.perf_counter()
        self.last_emit = 0.0

    def report(self, row: dict) -> None:
        now = time.perf_counter()
        steps, done_here = row["step"], row["step"] - self.start_step
        if now - self.last_emit < PROGRESS_EVERY_S and steps != self.total_steps and done_here != 1:
            return
        self.last_emit = now
        self.emit(
            {
                "type": "progress",
                "phase": "train",
                "step": steps,
                "total_steps": self.total_steps,
                "epoch": row["epoch"],
                "loss": row["loss"],
                "lr": row["lr"],
                "samples_per_s": row["samples_per_s"],
                "eta_s": (now - self.started) / done_here * (self.total_steps - steps),
            }
        )


# ------------------------------------------------------------------------------------------- checkpoint


def resume(
    training: Training, cfg: TrainConfig, par: Single, result: TrainResult, emit: Callable[[dict], None]
) -> int:
    """The step to start from: a checkpoint's of this same training (same spec and data), else 0."""
    state = read_checkpoint(cfg.checkpoint, par.layout, emit) if cfg.checkpoint else None
    if state is None:
        return 0
    par.load_training_state(training.model, training.optimizer, state, cfg.lora is not None)
    training.scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    result.log = state["log"]
    result.resumed_from_step = state["step"]
    emit({"type": "log", "message": f"resumed from checkpoint at step {state['step']}/{cfg.total_steps}"})
    return state["step"]


def save_checkpoint(
    training: Training, cfg: TrainConfig, par: Single, log: list[dict], emit: Callable[[dict], None]
) -> float:
    """Write a checkpoint after the log's last step; returns the seconds it took."""
    started = time.perf_counter()
    # Gathered on every rank under FSDP (a collective); None on the ranks that do not write.
    state = par.training_state(training.model, training.optimizer, cfg.lora is not None)
    if state is not None:
        step = log[-1]["step"]
        write_checkpoint(
            cfg.checkpoint.folder,
            {
                "fingerprint": cfg.checkpoint.fingerprint,
                "layout": par.layout,
                "step": step,
                **state,
                "scheduler": training.scheduler.state_dict(),
                "rng": rng_state(),
                "log": log,
            },
        )
        emit({"type": "checkpoint", "step": step, "path": str(cfg.checkpoint.folder)})
    return time.perf_counter() - started
