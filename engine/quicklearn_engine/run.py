"""One run: restore the base model, train and/or generate as the spec says, write the outputs atomically."""

import platform
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import torch

from . import __version__
from .architecture import Architecture
from .chat import ChatTemplate
from .data import encode, read_rows
from .device import resolve_placement
from .distributed import Parallel, Single, reindexed
from .fsutil import atomic_dir, remove_stale_temps, write_json_atomic, write_jsonl_atomic
from .generate import generate
from .generate_config import resolve_generate_config
from .models import ModelCache
from .spec import RunSpec
from .tracking import Tracking
from .train import train
from .train_config import resolve_train_config

OUTPUT_FILES = ("predictions.jsonl", "train_log.jsonl", "stats.json")


def library_versions() -> dict:
    import peft
    import tokenizers
    import transformers

    v = {
        "quicklearn_engine": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "tokenizers": tokenizers.__version__,
        "cuda": torch.version.cuda,
    }
    if torch.cuda.is_available():
        v["gpu"] = torch.cuda.get_device_name(0)
    return v


def execute(
    spec: RunSpec,
    cache: ModelCache,
    emit: Callable[[dict], None],
    phases=("train", "eval"),
    par: Single | None = None,
) -> dict:
    """Run the spec; returns the `done` event's body ({"outputs", "stats"}).

    `par`: this process's place in a data-parallel run (distributed.py); only rank 0 writes files.
    """
    t0 = time.perf_counter()
    par = par or Single()
    placement = resolve_placement(spec.device, spec.precision)
    out = Path(spec.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if par.is_main:
        remove_stale_temps(out)
        # Outputs of an earlier attempt go first, so that a run killed now leaves no stale predictions.
        for name in OUTPUT_FILES:
            (out / name).unlink(missing_ok=True)
    if placement.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    tracking = Tracking(spec)  # before the model loads: a missing tracker package fails the run at once

    loaded, timing = cache.get(
        spec.model,
        spec.init_from,
        placement.device,
        spec.attention,
        training=spec.train is not None and "train" in phases,
        compile=spec.compile,
    )
    tokenizer, arch = loaded.tokenizer, loaded.arch
    chat = arch.chat_template(tokenizer, spec.init_from or spec.model) if spec.template == "chat" else None
    timings = {"load_model_s": timing["load_s"], "restore_s": timing["restore_s"]}
    stats: dict = {
        "run_id": spec.run_id,
        "model": spec.model,
        "init_from": spec.init_from,
        "model_type": loaded.model_type,
        "architecture": arch.name,
        "parameters": sum(p.numel() for p in loaded.model.parameters()),
        "device": str(placement.device),
        "precision": placement.precision,
        "attention": loaded.attention,
        "template": spec.template,
        "compile": spec.compile,
        "seed": spec.seed,
        "model_reused": timing["reused"],
        "versions": library_versions(),
    }
    outputs: dict = {}
    model = loaded.model
    do_train = spec.train is not None and "train" in phases
    do_eval = spec.eval is not None and "eval" in phases
    try:
        if do_train:
            files = spec.train.files
            examples, trunc = _read_and_encode(spec, files, tokenizer, arch, chat, "train", timings, emit)
            loaded.dirty = True
            pad_id, ckpt = tokenizer.pad_token_id, out / "checkpoint"
            config = resolve_train_config(spec, arch, pad_id, placement, len(examples), ckpt)
            with tracking.open(out, par.is_main) as on_row:
                result = train(model, examples, config, emit, par, on_row)
            model = result.model
            timings.update(
                train_setup_s=result.setup_s, train_s=result.train_s, checkpoint_s=result.checkpoint_s
            )
            t = time.perf_counter()
            if par.is_main:
                write_jsonl_atomic(out / "train_log.jsonl", result.log)
            timings["write_train_log_s"] = time.perf_counter() - t
            outputs["train_log"] = str(out / "train_log.jsonl")
            stats["train"] = {
                "examples": len(examples),
                "steps": result.steps,
                "resumed_from_step": result.resumed_from_step,
                "final_loss": result.log[-1]["loss"] if result.log else None,
                "mean_samples_per_s": _mean(r["samples_per_s"] for r in result.log),
                "truncation": trunc.as_dict(),
            }
        if do_eval:
            files = spec.eval.files
            examples, trunc = _read_and_encode(spec, files, tokenizer, arch, chat, "eval", timings, emit)
            gen_config = resolve_generate_config(spec, arch, tokenizer, placement, chat)
            t = time.perf_counter()
            # Each process generates for its share of the rows (every one holds the whole model).
            shard = reindexed(par.shard(examples))
            predictions = par.gather(generate(model, tokenizer, shard, gen_config, emit))
            timings["generate_s"] = time.perf_counter() - t
            t = time.perf_counter()
            if par.is_main:
                write_jsonl_atomic(
                    out / "predictions.jsonl",
                    (
                        {"id": e.id, "task": e.task, "prediction": p}
                        for e, p in zip(examples, predictions, strict=False)
                    ),
                )
            timings["write_predictions_s"] = time.perf_counter() - t
            outputs["predictions"] = str(out / "predictions.jsonl")
            stats["eval"] = {
                "examples": len(examples),
                "static_cache": gen_config.static_cache,
                "truncation": trunc.as_dict(),
            }
        if spec.save_model and par.is_main:
            t = time.perf_counter()
            _save_model(
                model, tokenizer, out / "model", spec.train is not None and spec.train.lora is not None
            )
            timings["save_model_s"] = time.perf_counter() - t
            outputs["model_dir"] = str(out / "model")
    finally:
        if do_train and spec.train.lora is not None and model is not loaded.model:
            # Drop the LoRA layers so the base model is plain again for the next run's restore.
            model.unload()
    if par.is_main:
        shutil.rmtree(out / "checkpoint", ignore_errors=True)

    if isinstance(par, Parallel):
        stats["distributed"] = par.describe()
    timings["total_s"] = time.perf_counter() - t0
    # Per-run overhead: everything but loading from disk, the training steps and generation themselves
    # (restore, optimizer set-up, encoding, writing outputs). train_s includes checkpoint writes.
    compute = sum(timings.get(k, 0.0) for k in ("load_model_s", "train_s", "generate_s", "save_model_s"))
    timings["overhead_s"] = max(0.0, timings["total_s"] - compute)
    stats["timings"] = timings
    stats["peak_memory"] = {
        "cpu_max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "cuda_max_allocated_bytes": torch.cuda.max_memory_allocated()
        if placement.device.type == "cuda"
        else None,
    }
    if par.is_main:
        write_json_atomic(out / "stats.json", stats)
    outputs["stats"] = str(out / "stats.json")
    return {"outputs": outputs, "stats": stats}


def _save_model(model, tokenizer, folder: Path, lora: bool) -> None:
    """Save a full model later runs can init_from (LoRA is merged into a copy of the weights)."""
    with atomic_dir(folder) as tmp:
        if lora:
            # Merging writes into the base weights; the next run restores them from the pristine copy.
            model.merge_and_unload(safe_merge=True).save_pretrained(tmp)
        else:
            model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)


def _read_and_encode(
    spec, files, tokenizer, arch: Architecture, chat: ChatTemplate | None, phase: str, timings: dict, emit
):
    """Read and tokenize a phase's data files (train rows need a target); time it, warn on truncation."""
    t = time.perf_counter()
    training = phase == "train"
    rows = read_rows(files, need_target=training)
    examples, trunc = encode(
        rows,
        tokenizer,
        arch,
        spec.max_source_length,
        spec.max_target_length,
        spec.encoding,
        training,
        chat,
    )
    timings[f"encode_{phase}_s"] = time.perf_counter() - t
    _warn_truncation(emit, phase, trunc.as_dict()["total"])
    return examples, trunc


def _warn_truncation(emit, phase: str, total: dict) -> None:
    if total["truncated_sources"] or total["truncated_targets"]:
        emit(
            {
                "type": "warning",
                "message": f"{phase}: {total['truncated_sources']} of {total['rows']} sources and "
                f"{total['truncated_targets']} targets were truncated (per task counts in stats.json)",
            }
        )


def _mean(values) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None
