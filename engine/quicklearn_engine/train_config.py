"""One training's settings, resolved once from the run spec, the loaded model and the placement: the loop
reads them here instead of re-deriving them from the spec (docs/engine.md has the semantics)."""

import math
from dataclasses import dataclass
from pathlib import Path

from .architecture import Architecture
from .checkpoint import CheckpointPolicy, fingerprint
from .device import Placement
from .spec import LoraSpec, RunSpec

# What one extra micro-batch costs, in padded tokens' worth of compute (kernel launches, the autocast weight
# casts, Python): splitting a step pays when it removes more padding than this. Rough, per device.
MICRO_BATCH_OVERHEAD_TOKENS = {"cuda": 2048, "cpu": 256}


@dataclass(frozen=True)
class TrainConfig:
    arch: Architecture
    placement: Placement  # the device, and the precision its autocast runs
    pad_id: int
    seed: int
    # Each optimizer step takes effective_batch_size examples from a seeded shuffle of the epoch, so the
    # learning-rate semantics match the thesis (HF Trainer, batch x accumulation = 12) whatever the hardware.
    effective_batch_size: int
    steps_per_epoch: int
    total_steps: int
    # A step's examples are sorted by length and split into micro-batches under max_tokens_per_batch padded
    # tokens, where a split saves more padding than micro_batch_overhead; gradients accumulate over them.
    max_tokens_per_batch: int
    micro_batch_overhead: int
    max_grad_norm: float | None
    lora: LoraSpec | None
    gradient_checkpointing: bool
    optimizer: str  # "adamw" or "adafactor"
    learning_rate: float
    weight_decay: float
    lr_schedule: str  # transformers' scheduler name
    warmup_steps: int
    checkpoint: CheckpointPolicy | None  # None: no checkpoints


def micro_batch_overhead(placement: Placement) -> int:
    return MICRO_BATCH_OVERHEAD_TOKENS.get(placement.device.type, 2048)


def resolve_train_config(
    spec: RunSpec,
    arch: Architecture,
    pad_id: int,
    placement: Placement,
    n_examples: int,
    checkpoint_dir: Path,
) -> TrainConfig:
    t = spec.train
    steps_per_epoch = math.ceil(n_examples / t.effective_batch_size)
    schedule = "constant_with_warmup" if t.lr_schedule == "constant" and t.warmup_steps > 0 else t.lr_schedule
    checkpoint = (
        CheckpointPolicy(checkpoint_dir, fingerprint(spec), t.checkpoint_every_steps)
        if t.checkpoints
        else None
    )
    return TrainConfig(
        arch=arch,
        placement=placement,
        pad_id=pad_id,
        seed=spec.seed,
        effective_batch_size=t.effective_batch_size,
        steps_per_epoch=steps_per_epoch,
        total_steps=max(1, math.ceil(t.epochs * steps_per_epoch)),
        max_tokens_per_batch=t.max_tokens_per_batch,
        micro_batch_overhead=micro_batch_overhead(placement),
        max_grad_norm=t.max_grad_norm,
        lora=t.lora,
        gradient_checkpointing=t.gradient_checkpointing,
        optimizer=t.optimizer,
        learning_rate=t.learning_rate,
        weight_decay=t.weight_decay,
        lr_schedule=schedule,
        warmup_steps=t.warmup_steps,
        checkpoint=checkpoint,
    )
