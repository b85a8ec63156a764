"""The run spec, mirrored field for field from src/engine/spec.ts (the zod schema is the reference).

Both sides validate: TypeScript before sending, Python again so that the engine can be driven directly.
Defaults are the thesis recipe: AdamW, lr 5e-5 constant, no warmup, 2 epochs, effective batch 12, bf16 on GPU.
"""

import os
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from .errors import EngineError

PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
# The most epochs a run may train (MAX_EPOCHS in src/engine/spec.ts, which says why).
MAX_EPOCHS = 10_000


def _unique(items: list) -> list:
    if len(set(items)) != len(items):
        raise PydanticCustomError("duplicate", "lists a tracker twice")
    return items


# TRACKERS in src/engine/spec.ts (which says why MLflow is not one).
Trackers = Annotated[list[Literal["tensorboard"]], AfterValidator(_unique)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LoraSpec(_Strict):
    r: PositiveInt = 16
    alpha: PositiveFloat = 32
    dropout: Annotated[float, Field(ge=0, le=1)] = 0.05
    # None lets peft pick the architecture's attention projections (T5: q, v; Llama: q_proj, v_proj).
    target_modules: list[str] | None = None


class TrainSpec(_Strict):
    files: Annotated[list[str], Field(min_length=1)]
    epochs: Annotated[float, Field(gt=0, le=MAX_EPOCHS)] = 2
    learning_rate: PositiveFloat = 5e-5
    lr_schedule: Literal["constant", "linear", "cosine"] = "constant"
    warmup_steps: NonNegativeInt = 0
    effective_batch_size: PositiveInt = 12
    max_tokens_per_batch: PositiveInt = 16384
    optimizer: Literal["adamw", "adafactor"] = "adamw"
    weight_decay: Annotated[float, Field(ge=0)] = 0
    max_grad_norm: PositiveFloat | None = 1.0
    lora: LoraSpec | None = None
    checkpoint_every_steps: NonNegativeInt = 0
    # Extensions over the first spec version (mirrored in spec.ts):
    checkpoints: bool = True
    gradient_checkpointing: bool = False
    parallel: Literal["ddp", "fsdp"] = "ddp"


class EvalSpec(_Strict):
    files: Annotated[list[str], Field(min_length=1)]
    max_new_tokens: PositiveInt = 128
    num_beams: PositiveInt = 1
    batch_size: PositiveInt = 32
    # Decode with a preallocated (static) KV cache: the same tokens; pays only with compile / CUDA graphs.
    static_cache: bool = False


class RunSpec(_Strict):
    run_id: Annotated[str, Field(min_length=1)]
    model: Annotated[str, Field(min_length=1)]
    init_from: str | None = None
    encoding: str = "thesis-def-pos"
    max_source_length: PositiveInt = 1024
    max_target_length: PositiveInt = 128
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    attention: Literal["sdpa", "eager", "flex_attention"] = "sdpa"
    # "chat": the source is the user message and the target the assistant message, rendered with the
    # tokenizer's chat template (causal LMs only); "none": the encoded text as is.
    template: Literal["none", "chat"] = "none"
    # torch.compile the model (in place, dynamic shapes): a speed lever, not part of a run's identity.
    compile: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    seed: int = 42
    train: TrainSpec | None = None
    eval: EvalSpec | None = None
    output_dir: Annotated[str, Field(min_length=1)]
    save_model: bool = False
    # Where the train log is also written while training (tracking.py); not part of a run's identity.
    tracking: Trackers = []


def default_device() -> str:
    """The device for a spec that says "auto", chosen by whoever started this process (the TypeScript driver
    sets QUICKLEARN_DEVICE for its worker; launch.py's --device wins over it)."""
    return os.environ.get("QUICKLEARN_DEVICE", "auto")


def with_default_device(raw: object, default: str) -> object:
    """A decoded run spec whose device is "auto" (or unset) gets `default`: the one place both entry
    points (worker.py, launch.py) decide a run's device. Anything else is left for parse_spec to judge."""
    if isinstance(raw, dict) and raw.get("device", "auto") == "auto" and default != "auto":
        return {**raw, "device": default}
    return raw


def parse_spec(value: object) -> RunSpec:
    """Validate a decoded JSON spec; any problem becomes one EngineError("bad_spec") naming the field."""
    if not isinstance(value, dict):
        raise EngineError("bad_spec", f"run spec must be a JSON object, got {type(value).__name__}")
    try:
        spec = RunSpec.model_validate(value)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(spec)"
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{where}: {msg}")
        raise EngineError("bad_spec", "invalid run spec: " + "; ".join(problems)) from None
    if spec.train is not None and spec.train.parallel == "fsdp" and spec.train.lora is not None:
        raise EngineError(
            "bad_spec",
            "invalid run spec: train.parallel 'fsdp' with train.lora: LoRA trains a small adapter over a "
            "frozen base, so there is little training state to shard; use 'ddp'",
        )
    if spec.train is None and spec.eval is None:
        raise EngineError("bad_spec", "invalid run spec: nothing to do (both train and eval are null)")
    return spec
