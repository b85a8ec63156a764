"""Experiment tracking (the spec's `tracking`): each row of the train log, as the loop makes it, also goes to
TensorBoard event files in the run's folder, so `tensorboard --logdir STUDY/runs` shows every run's curves
while it trains. train_log.jsonl stays the record; the event files are a view of it.

tensorboardX writes the event files without TensorFlow or the tensorboard package (only the viewer needs
that), and is imported only when a spec asks for it: a run without tracking needs nothing more.
"""

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import EngineError
from .spec import RunSpec

TENSORBOARD_DIR = "tensorboard"
# The train log's numbers and their TensorBoard tags; a null (grad_norm without clipping) is left out.
SCALARS = {
    "loss": "train/loss",
    "lr": "train/lr",
    "grad_norm": "train/grad_norm",
    "samples_per_s": "train/samples_per_s",
    "tokens_per_s": "train/tokens_per_s",
    "epoch": "train/epoch",
}
# Seconds between writes to disk: TensorBoard's own reload interval is 30 s, so curves stay that fresh.
FLUSH_S = 10


class Tracking:
    """The trackers a spec asks for. Made before the model loads, so that a missing package fails the run
    early with a bad_spec that names it; `open` starts the writing."""

    def __init__(self, spec: RunSpec):
        self.writer_class = _summary_writer() if "tensorboard" in spec.tracking else None

    @contextmanager
    def open(self, out: Path, is_main: bool = True) -> Iterator[Callable[[dict], None]]:
        """A function that writes one train-log row to every tracker (a no-op without any, and on every
        process but the one that writes the outputs); the writers are closed on the way out."""
        if self.writer_class is None or not is_main:
            yield lambda row: None
            return
        folder = out / TENSORBOARD_DIR
        # An earlier attempt's events go: a resumed training writes its restored rows again, so the curves
        # hold train_log.jsonl's rows once each.
        shutil.rmtree(folder, ignore_errors=True)
        writer = self.writer_class(logdir=str(folder), flush_secs=FLUSH_S)
        try:
            yield lambda row: _write_row(writer, row)
        finally:
            writer.close()


def _write_row(writer, row: dict) -> None:
    for key, tag in SCALARS.items():
        if row.get(key) is not None:
            writer.add_scalar(tag, row[key], global_step=row["step"])


def _summary_writer():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise EngineError(
            "bad_spec",
            "tracking: tensorboard needs the tensorboardX package in the engine's Python environment: "
            "run .venv/bin/pip install -r engine/requirements.txt, or leave tracking out of the spec",
        ) from None
    return SummaryWriter
