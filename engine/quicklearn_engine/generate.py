"""Generation: greedy by default, batched by length, predictions returned in input order."""

import time
from collections.abc import Callable

import torch

from .data import Example
from .generate_config import GenerateConfig

PROGRESS_EVERY_S = 0.5


def length_batches(examples: list[Example], batch_size: int) -> list[list[Example]]:
    """Longest first, so that an out-of-memory batch shows at once rather than at the end."""
    ordered = sorted(examples, key=lambda e: len(e.source_ids), reverse=True)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


@torch.no_grad()
def generate_batch_ids(
    model: torch.nn.Module, batch: list[Example], config: GenerateConfig
) -> list[list[int]]:
    """Generated token ids per prompt of the batch (the prompt cut off for causal LMs); each sequence ends
    at the first of the config's stop tokens it produced, padded after it.

    Hugging Face's generate runs a seq2seq encoder once per batch and reuses its states at every step."""
    inputs = config.arch.prompt_batch(batch, config.pad_id, config.placement.device)
    extra = {"cache_implementation": "static"} if config.static_cache else {}
    with config.placement.autocast():
        out = model.generate(
            **inputs,
            max_new_tokens=config.max_new_tokens,
            num_beams=config.num_beams,
            do_sample=False,
            pad_token_id=config.pad_id,
            eos_token_id=config.eos_token_id,
            **extra,
        )
    return config.arch.generated(out, inputs["input_ids"].shape[1]).tolist()


@torch.no_grad()
def generate(
    model: torch.nn.Module,
    tokenizer,
    examples: list[Example],
    config: GenerateConfig,
    emit: Callable[[dict], None],
) -> list[str]:
    """One prediction per example, in the examples' order: the decoded text before the first stop token."""
    model.eval()
    predictions: list[str | None] = [None] * len(examples)
    batches = length_batches(examples, config.batch_size)
    progress = _Progress(len(examples), len(batches), emit)
    for batch in batches:
        ids = [_before_stop(seq, config.stop_ids) for seq in generate_batch_ids(model, batch, config)]
        texts = tokenizer.batch_decode(ids, skip_special_tokens=True)
        for ex, text in zip(batch, texts, strict=False):
            predictions[ex.index] = text.strip()
        progress.batch_done(len(batch))
    return predictions  # type: ignore[return-value]


def _before_stop(ids: list[int], stop_ids: tuple[int, ...]) -> list[int]:
    # A template token that is not a special one would survive skip_special_tokens: cut at the stop instead.
    at = [ids.index(s) for s in stop_ids if s in ids]
    return ids[: min(at)] if at else ids


class _Progress:
    """Progress events for the driver: after the first and the last batch, and at most every
    PROGRESS_EVERY_S in between, so that a fast generation does not flood the event stream."""

    def __init__(self, total: int, n_batches: int, emit: Callable[[dict], None]):
        self.total, self.n_batches, self.emit = total, n_batches, emit
        self.started = self.last_emit = time.perf_counter()
        self.done = self.batches = 0

    def batch_done(self, size: int) -> None:
        self.done += size
        self.batches += 1
        now = time.perf_counter()
        if now - self.last_emit < PROGRESS_EVERY_S and self.batches not in (1, self.n_batches):
            return
        self.last_emit = now
        rate = self.done / max(now - self.started, 1e-9)
        self.emit(
            {
                "type": "progress",
                "phase": "generate",
                "step": self.done,
                "total_steps": self.total,
                "samples_per_s": rate,
                "eta_s": (self.total - self.done) / rate,
            }
        )
