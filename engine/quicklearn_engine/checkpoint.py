"""Training checkpoints: when one is due, how one is written, and whether one on disk may be resumed.

A checkpoint holds weights (trainable ones for LoRA), optimizer, scheduler, RNG states, the step and the log
so far; the data order is a pure function of (seed, epoch), so a resumed run replays exactly what was left.
"""

import hashlib
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from .spec import RunSpec

CHECKPOINT_FILE = "state.pt"


@dataclass(frozen=True)
class CheckpointPolicy:
    folder: Path
    # What must match for a checkpoint to be resumed (see fingerprint).
    fingerprint: str
    # Every N steps when N is set, else at epoch ends. Not both: a 3B checkpoint is ~33 GB, and the short
    # single-task runs of a sweep should restart from step 0 rather than pay for one.
    every_steps: int

    def due(self, steps_done: int, steps_per_epoch: int, total_steps: int) -> bool:
        if self.every_steps:
            return steps_done % self.every_steps == 0
        return steps_done % steps_per_epoch == 0 or steps_done == total_steps


def fingerprint(spec: RunSpec) -> str:
    """What must match for a checkpoint to be resumed: everything that shapes training, data included."""
    h = hashlib.sha256()
    # train.parallel is left out: DDP and FSDP make the same update (a checkpoint's layout is checked apart).
    # tracking only copies the log elsewhere: turning it on still resumes a checkpoint written without it.
    unrelated = {
        "eval": True,
        "output_dir": True,
        "save_model": True,
        "run_id": True,
        "tracking": True,
        "train": {"parallel"},
    }
    if spec.template == "none":
        unrelated["template"] = True  # as before the field existed: earlier checkpoints still resume
    relevant = spec.model_dump(exclude=unrelated)
    h.update(json.dumps(relevant, sort_keys=True).encode())
    for name in spec.train.files:
        with open(name, "rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()


def read_checkpoint(policy: CheckpointPolicy, layout: str, emit: Callable[[dict], None]) -> dict | None:
    """The state of the folder's checkpoint when it is of this same training, else None (with a warning
    when there is one of another training)."""
    path = policy.folder / CHECKPOINT_FILE
    if not path.is_file():
        return None
    state = torch.load(path, map_location="cpu", weights_only=False)
    if state.get("fingerprint") != policy.fingerprint or state.get("layout", "plain") != layout:
        why = (
            "a different spec or data"
            if state.get("fingerprint") != policy.fingerprint
            else "another train.parallel"
        )
        emit({"type": "warning", "message": f"{policy.folder}: checkpoint is from {why}; starting afresh"})
        return None
    return state


def write_checkpoint(folder: Path, state: dict) -> None:
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
