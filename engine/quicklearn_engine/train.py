"""The training loop: one readable function in the spirit of nanoGPT's train.py.

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

import hashlib
import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .architecture import Architecture
from .data import Example
from .device import Placement
from .distributed import Single
from .errors import EngineError
from .spec import RunSpec, TrainSpec

CHECKPOINT_FILE = "state.pt"
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


# What one extra micro-batch costs, in padded tokens' worth of compute (kernel launches, the autocast weight
# casts, Python): splitting a step pays when it removes more padding than this. Rough, per device.
MICRO_BATCH_OVERHEAD_TOKENS = {"cuda": 2048, "cpu": 256}


def micro_batch_overhead(device: torch.device) -> int:
    return MICRO_BATCH_OVERHEAD_TOKENS.get(device.type, 2048)


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


def make_optimizer(model: torch.nn.Module, t: TrainSpec, device: torch.device):
    params = [p for p in model.parameters() if p.requires_grad]
    # Weight decay on matrices only (nanoGPT's rule); biases and norm gains are left alone.
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": t.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    if t.optimizer == "adafactor":
        from transformers.optimization import Adafactor

        return Adafactor(
            groups, lr=t.learning_rate, scale_parameter=False, relative_step=False, warmup_init=False
        )
    return torch.optim.AdamW(
        groups, lr=t.learning_rate, betas=(0.9, 0.999), eps=1e-8, fused=device.type == "cuda"
    )


def make_scheduler(optimizer, t: TrainSpec, total_steps: int):
    from transformers import get_scheduler

    name = t.lr_schedule
    if name == "constant" and t.warmup_steps > 0:
        name = "constant_with_warmup"
    return get_scheduler(name, optimizer, num_warmup_steps=t.warmup_steps, num_training_steps=total_steps)


def apply_lora(model: torch.nn.Module, t: TrainSpec, arch: Architecture):
    from peft import LoraConfig, get_peft_model

    lora = t.lora
    config = LoraConfig(
        task_type=arch.lora_task_type(),
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
    )
    try:
        return get_peft_model(model, config)
    except ValueError as e:
        raise EngineError("bad_spec", f"train.lora: {str(e).splitlines()[0]}") from None


# ------------------------------------------------------------------------------------------- checkpoints


def fingerprint(spec: RunSpec) -> str:
    """What must match for a checkpoint to be resumed: everything that shapes training, data included."""
    h = hashlib.sha256()
    # train.parallel is left out: DDP and FSDP make the same update (a checkpoint's layout is checked apart).
    unrelated = {"eval": True, "output_dir": True, "save_model": True, "run_id": True, "train": {"parallel"}}
    if spec.template == "none":
        unrelated["template"] = True  # as before the field existed: earlier checkpoints still resume
    relevant = spec.model_dump(exclude=unrelated)
    h.update(json.dumps(relevant, sort_keys=True).encode())
    for name in spec.train.files:
        with open(name, "rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()


def save_checkpoint(folder: Path, state: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{CHECKPOINT_FILE}.tmp-{os.getpid()}"
    try:
        torch.save(state, tmp)
        os.replace(tmp, folder / CHECKPOINT_FILE)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def rng_state() -> dict:
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
    }


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    random.setstate(state["python"])


# ------------------------------------------------------------------------------------------- the loop


def train(
    model: torch.nn.Module,
    examples: list[Example],
    spec: RunSpec,
    arch: Architecture,
    pad_id: int,
    placement: Placement,
    checkpoint_dir: Path,
    emit: Callable[[dict], None],
    par: Single | None = None,
) -> TrainResult:
    t = spec.train
    par = par or Single()  # data parallelism across processes (distributed.py); Single: one process
    started = time.perf_counter()
    device = placement.device
    torch.manual_seed(spec.seed)
    random.seed(spec.seed)
    base = model
    if t.lora is not None:
        model = apply_lora(model, t, arch)
    if t.gradient_checkpointing:
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if t.lora is not None:
            base.enable_input_require_grads()
    fwd = par.wrap(model, device)  # the model forward and backward go through (DDP under torchrun)
    optimizer = make_optimizer(model, t, device)
    mb_overhead = micro_batch_overhead(device)
    steps_per_epoch = math.ceil(len(examples) / t.effective_batch_size)
    total_steps = max(1, math.ceil(t.epochs * steps_per_epoch))
    scheduler = make_scheduler(optimizer, t, total_steps)
    result = TrainResult(model=model)

    # Resume from a checkpoint of the same training (same spec and data), else start afresh.
    start_step = 0
    ckpt_path = checkpoint_dir / CHECKPOINT_FILE
    fp = fingerprint(spec) if t.checkpoints else ""
    if t.checkpoints and ckpt_path.is_file():
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        if state.get("fingerprint") != fp or state.get("layout", "plain") != par.layout:
            why = "a different spec or data" if state.get("fingerprint") != fp else "another train.parallel"
            message = f"{checkpoint_dir}: checkpoint is from {why}; starting afresh"
            emit({"type": "warning", "message": message})
        else:
            par.load_training_state(model, optimizer, state, t.lora is not None)
            scheduler.load_state_dict(state["scheduler"])
            set_rng_state(state["rng"])
            start_step = state["step"]
            result.log = state["log"]
            result.resumed_from_step = start_step
            emit({"type": "log", "message": f"resumed from checkpoint at step {start_step}/{total_steps}"})
    result.setup_s = time.perf_counter() - started

    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    groups_epoch, groups = -1, []
    last_emit = 0.0
    train_started = time.perf_counter()
    for step in range(start_step, total_steps):
        step_started = time.perf_counter()
        epoch = step // steps_per_epoch
        if epoch != groups_epoch:
            groups, groups_epoch = step_groups(len(examples), t.effective_batch_size, spec.seed, epoch), epoch
        group = [examples[i] for i in groups[step % steps_per_epoch]]
        n_tokens = sum(arch.predicted_tokens(e) for e in group)
        total_loss = 0.0
        # Under torchrun this process takes its share of the step; n_tokens stays the whole step's count.
        split = lambda g: micro_batches(g, t.max_tokens_per_batch, arch, mb_overhead)  # noqa: E731
        for mb, weight, last in par.micro_steps(group, split):
            batch = arch.collate(mb, pad_id, device)
            with par.accumulating(fwd, last):
                with placement.autocast():
                    loss = arch.loss_sum(fwd, base, batch)
                (loss * (weight * par.grad_scale) / max(n_tokens, 1)).backward()
            total_loss += loss.item() * weight
        total_loss = par.sum(total_loss)
        grad_norm = None
        if t.max_grad_norm is not None:
            norm = torch.nn.utils.clip_grad_norm_(params, t.max_grad_norm)
            grad_norm = float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)  # FSDP: a DTensor
        lr = scheduler.get_last_lr()[0]
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)

        dt = time.perf_counter() - step_started
        row = {
            "step": step + 1,
            "epoch": round((step + 1) / steps_per_epoch, 4),
            "loss": total_loss / max(n_tokens, 1),
            "lr": lr,
            "grad_norm": grad_norm,
            "samples_per_s": len(group) / dt,
            "tokens_per_s": sum(e.length for e in group) / dt,
        }
        result.log.append(row)
        result.steps = step + 1

        now = time.perf_counter()
        done_here = step + 1 - start_step
        if now - last_emit >= PROGRESS_EVERY_S or step + 1 == total_steps or done_here == 1:
            last_emit = now
            elapsed = now - train_started
            emit(
                {
                    "type": "progress",
                    "phase": "train",
                    "step": step + 1,
                    "total_steps": total_steps,
                    "epoch": row["epoch"],
                    "loss": row["loss"],
                    "lr": lr,
                    "samples_per_s": row["samples_per_s"],
                    "eta_s": elapsed / done_here * (total_steps - step - 1),
                }
            )

        # Every N steps when N is set, else at epoch ends. Not both: a 3B checkpoint is ~33 GB, and the
        # short single-task runs of a sweep should restart from step 0 rather than pay for one.
        every = t.checkpoint_every_steps
        at_epoch_end = (step + 1) % steps_per_epoch == 0 or step + 1 == total_steps
        due = (step + 1) % every == 0 if every else at_epoch_end
        if t.checkpoints and due:
            c0 = time.perf_counter()
            # Gathered on every rank under FSDP (a collective); None on the ranks that do not write.
            state = par.training_state(model, optimizer, t.lora is not None)
            if state is not None:
                save_checkpoint(
                    checkpoint_dir,
                    {
                        "fingerprint": fp,
                        "layout": par.layout,
                        "step": step + 1,
                        **state,
                        "scheduler": scheduler.state_dict(),
                        "rng": rng_state(),
                        "log": result.log,
                    },
                )
                emit({"type": "checkpoint", "step": step + 1, "path": str(checkpoint_dir)})
            result.checkpoint_s += time.perf_counter() - c0
    result.train_s = time.perf_counter() - train_started
    del optimizer, scheduler  # AdamW's state (2x the weights) goes before unwrap gathers the full weights
    result.model = par.unwrap(model)
    result.model.eval()
    return result
