"""Generation: greedy by default, batched by length, predictions returned in input order."""

import time
from collections.abc import Callable

import torch

from .architecture import Architecture
from .data import Example
from .device import Placement

PROGRESS_EVERY_S = 0.5


def length_batches(examples: list[Example], batch_size: int) -> list[list[Example]]:
    """Longest first, so that an out-of-memory batch shows at once rather than at the end."""
    ordered = sorted(examples, key=lambda e: len(e.source_ids), reverse=True)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


@torch.no_grad()
def generate_batch_ids(
    model: torch.nn.Module,
    batch: list[Example],
    pad_id: int,
    eos_id: int | list[int],
    arch: Architecture,
    placement: Placement,
    max_new_tokens: int,
    num_beams: int,
    static_cache: bool = False,
) -> list[list[int]]:
    """Generated token ids per prompt of the batch (the prompt cut off for causal LMs); `eos_id` may list
    several stop tokens (a chat template's end of turn beside eos).

    Hugging Face's generate runs a seq2seq encoder once per batch and reuses its states at every step."""
    inputs = arch.prompt_batch(batch, pad_id, placement.device)
    extra = {"cache_implementation": "static"} if static_cache else {}
    with placement.autocast():
        out = model.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            num_beams=num_beams,
            do_sample=False,
            pad_token_id=pad_id,
            eos_token_id=eos_id,
            **extra,
        )
    return arch.generated(out, inputs["input_ids"].shape[1]).tolist()


@torch.no_grad()
def generate(
    model: torch.nn.Module,
    tokenizer,
    examples: list[Example],
    arch: Architecture,
    placement: Placement,
    max_new_tokens: int,
    num_beams: int,
    batch_size: int,
    emit: Callable[[dict], None],
    static_cache: bool = False,
    stop_ids: list[int] | None = None,
) -> list[str]:
    """One prediction per example, in the examples' order. `stop_ids` (a chat template's end of turn and eos)
    end an answer: generation stops at them and a prediction is what comes before the first."""
    model.eval()
    predictions: list[str | None] = [None] * len(examples)
    batches = length_batches(examples, batch_size)
    started = last_emit = time.perf_counter()
    done = 0
    for n, batch in enumerate(batches, 1):
        out = generate_batch_ids(
            model, batch, tokenizer.pad_token_id, stop_ids or tokenizer.eos_token_id, arch, placement,
            max_new_tokens, num_beams, static_cache,
        )  # fmt: skip
        if stop_ids:
            out = [_before_stop(ids, stop_ids) for ids in out]
        texts = tokenizer.batch_decode(out, skip_special_tokens=True)
        for ex, text in zip(batch, texts, strict=False):
            predictions[ex.index] = text.strip()
        done += len(batch)
        now = time.perf_counter()
        if now - last_emit >= PROGRESS_EVERY_S or n == len(batches) or n == 1:
            last_emit = now
            rate = done / max(now - started, 1e-9)
            emit(
                {
                    "type": "progress",
                    "phase": "generate",
                    "step": done,
                    "total_steps": len(examples),
                    "samples_per_s": rate,
                    "eta_s": (len(examples) - done) / rate,
                }
            )
    return predictions  # type: ignore[return-value]


def _before_stop(ids: list[int], stop_ids: list[int]) -> list[int]:
    # A template token that is not a special one would survive skip_special_tokens: cut at the stop instead.
    at = [ids.index(s) for s in stop_ids if s in ids]
    return ids[: min(at)] if at else ids
