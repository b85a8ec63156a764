"""`bench --levers`: the engine's fast paths measured one at a time, on the same model, data and process.

    python -m quicklearn_engine.bench --model SHAPE --levers [--lever NAME ...] [--device cuda] [--json]

Each lever changes one setting of the baseline (the engine's defaults: sdpa attention, no torch.compile,
dynamic KV cache, gradient checkpointing as the shape needs) and measures the engine's training samples/s
and generation prompts/s. Prints one JSON object:
    {"device", "baseline": {"settings", "train_samples_per_s", "gen_prompts_per_s", "peak_mem_gb"},
     "levers": [{"name", "settings", "train_samples_per_s", "gen_prompts_per_s", "peak_mem_gb",
                 "speedup_train", "speedup_gen", "gen_identical", ("note" | "skipped" | "error")}]}
gen_identical: how many prompts' generated tokens (pad and eos aside) equal the baseline's (every path
generates from the same pristine weights). A lever that cannot run here is "skipped" (flex_attention on a
CPU); one that fails (out of memory, a kernel that does not build) has its "error", and the others are
still measured.

Timing: each path generates one untimed batch first (kernel selection, compilation of the first shapes),
then all prompts; training drops the first `--warmup-steps` steps. Compilation for shapes met later
(dynamic shapes, flex_attention's kernels) falls inside the timing: it is part of what a run pays.
"""

import datetime
from dataclasses import asdict, dataclass, replace

import torch

from .attention import check_device, set_attention
from .errors import EngineError
from .harness import (
    device_text,
    engine_generate,
    engine_train,
    note,
    prepare,
    restore_weights,
    strip_special,
    trainable_with,
)

LEVERS = ("eager", "flex_attention", "static_cache", "gradient_checkpointing", "compile")


@dataclass(frozen=True)
class Settings:
    attention: str
    compile: bool
    static_cache: bool
    gradient_checkpointing: bool


def lever_settings(name: str, base: Settings) -> tuple[str, Settings]:
    """The lever's display name and the baseline with its one setting changed."""
    if name in ("eager", "flex_attention"):
        return f"attention={name}", replace(base, attention=name)
    if name == "static_cache":
        return "static_cache=on", replace(base, static_cache=True)
    if name == "gradient_checkpointing":
        flipped = not base.gradient_checkpointing
        name = f"gradient_checkpointing={'on' if flipped else 'off'}"
        return name, replace(base, gradient_checkpointing=flipped)
    return "compile=on", replace(base, compile=True)


def measure(setup, settings: Settings, args) -> tuple[dict, list]:
    """One path: generate from the pristine weights, then train. Figures and the generated ids."""
    model, placement, clock = setup.model, setup.placement, setup.clock
    device = placement.device
    check_device(settings.attention, device)
    restore_weights(model, setup.pristine, device)
    if settings.compile:
        model.compile(dynamic=True)  # in place and not undone: the compile lever runs last
    set_attention(model, settings.attention)
    gen = setup.gen_examples
    generate = lambda examples: engine_generate(  # noqa: E731
        model, examples, placement, args.gen_new_tokens, setup.gen_batch, settings.static_cache
    )
    clock.reset_peak()
    generate(gen[: setup.gen_batch])  # untimed warm-up
    started = clock.now()
    outputs = generate(gen)
    gen_per_s = len(gen) / (clock.now() - started)
    gen_mem = clock.peak_gb()
    clock.reset_peak()
    with trainable_with(model, settings.attention) as attention_dropout:
        train_per_s, _, _ = engine_train(
            model, setup.train_examples, placement, clock, settings.gradient_checkpointing, args.warmup_steps
        )
    peak = max(gen_mem, clock.peak_gb()) if device.type == "cuda" else None
    figures = {"train_samples_per_s": train_per_s, "gen_prompts_per_s": gen_per_s, "peak_mem_gb": peak}
    if attention_dropout < model.config.dropout_rate:
        figures["note"] = "trained with attention dropout 0 (flex_attention has none)"
    return figures, outputs


def run_levers(args) -> tuple[dict, dict]:
    setup = prepare(args)
    device = setup.placement.device
    base = Settings("sdpa", False, False, setup.gradient_checkpointing)
    r = lambda x: None if x is None else round(x, 6)  # noqa: E731

    note(f"baseline: {base}")
    baseline, base_out = measure(setup, base, args)
    entries = []
    # The order of LEVERS, so that compile (not undone) comes last whatever order --lever gave.
    for lever in [n for n in LEVERS if n in (args.lever or LEVERS)]:
        name, settings = lever_settings(lever, base)
        note(f"lever {name}")
        entry = {"name": name, "settings": asdict(settings)}
        try:
            figures, outputs = measure(setup, settings, args)
        except EngineError as e:
            entry["skipped"] = e.message
        except Exception as e:  # noqa: BLE001 - one failing lever (out of memory, a kernel that does not
            # build) must not cost the figures of the others in a one-shot GPU check
            # (the next lever's measure empties the CUDA cache, inside its own try)
            entry["error"] = f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:300]}"
        else:
            remark = figures.pop("note", None)
            entry.update({k: r(v) for k, v in figures.items()})
            entry["speedup_train"] = r(figures["train_samples_per_s"] / baseline["train_samples_per_s"])
            entry["speedup_gen"] = r(figures["gen_prompts_per_s"] / baseline["gen_prompts_per_s"])
            same = sum(strip_special(a) == strip_special(b) for a, b in zip(outputs, base_out, strict=True))
            entry["gen_identical"] = same
            if remark:
                entry["note"] = remark
        entries.append(entry)

    from .run import library_versions

    result = {
        "device": device_text(device),
        "baseline": {"settings": asdict(base), **{k: r(v) for k, v in baseline.items()}},
        "levers": entries,
    }
    meta = {
        "date": datetime.date.today().isoformat(),
        "model": args.model,
        "parameters": sum(p.numel() for p in setup.model.parameters()),
        "precision": setup.placement.precision,
        "steps": setup.steps,
        "warmup_steps": args.warmup_steps,
        "gen_prompts": len(setup.gen_examples),
        "gen_batch": setup.gen_batch,
        "gen_new_tokens": args.gen_new_tokens,
        "torch_threads": torch.get_num_threads(),
        "versions": library_versions(),
    }
    return result, meta
