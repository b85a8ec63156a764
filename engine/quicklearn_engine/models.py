"""Loading seq2seq and causal LMs (local folder or hub id), and keeping a pristine copy between runs.

One worker serves many runs on the same base model: the model is read from disk once, a CPU copy of its
pristine weights is kept, and each later run restores it with load_state_dict (no disk re-read).
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .architecture import CAUSAL, SEQ2SEQ, Architecture
from .attention import check_device, check_trainable, supported, unsupported_error, use_flex_fix
from .errors import EngineError


@dataclass
class LoadedModel:
    key: tuple
    model: torch.nn.Module
    tokenizer: object
    arch: Architecture
    model_type: str
    device: torch.device
    pristine: dict[str, torch.Tensor]
    load_s: float
    # The attention kernel it runs (transformers' attn_implementation; the spec's `attention`).
    attention: str = "sdpa"
    # True once a run changed the weights: the next run must restore them first.
    dirty: bool = False
    stats: dict = field(default_factory=dict)


def locate_model(ref: str, field_name: str, must_be_local: bool = False) -> str:
    """A local model folder (absolute path) or a hub id; a path-like ref that does not exist is an error."""
    path = Path(ref).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise EngineError(
                "model_not_found",
                f"{field_name}: {ref!r} is a folder but has no config.json (expected a Hugging Face model "
                f"folder as written by save_pretrained)",
            )
        return str(path.resolve())
    looks_like_path = ref.startswith((".", "/", "~")) or ref.count("/") > 1 or os.sep != "/" and os.sep in ref
    if must_be_local or looks_like_path or path.exists():
        raise EngineError(
            "model_not_found",
            f"{field_name}: model folder {ref!r} does not exist "
            f"(give a folder holding config.json, or a hub id such as google/t5-v1_1-xl)",
        )
    return ref


def pretrained_args(source: str) -> tuple[str, dict]:
    """from_pretrained's arguments for a local folder or a hub id, pinned when written `org/name@revision`
    (a commit, tag or branch): a pinned id loads the same weights next year, an unpinned one whatever the
    hub serves that day."""
    if os.path.isabs(source) or "@" not in source:
        return source, {}
    repo, revision = source.rsplit("@", 1)
    return repo, {"revision": revision}


def _architecture(source: str, field_name: str):
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING

    try:
        repo, pin = pretrained_args(source)
        config = AutoConfig.from_pretrained(repo, **pin)
    except (ValueError, KeyError) as e:
        raise EngineError(
            "unknown_architecture",
            f"{field_name}: {source!r} has an architecture transformers does not know "
            f"({str(e).splitlines()[0]}); "
            "supported: seq2seq (T5 family) and causal LMs (Llama, Qwen, GPT-2, ...)",
        ) from None
    except OSError as e:
        raise EngineError(
            "model_not_found", f"{field_name}: cannot load {source!r}: {str(e).splitlines()[0]}"
        ) from None
    if getattr(config, "is_encoder_decoder", False):
        return config, SEQ2SEQ
    if type(config) in MODEL_FOR_CAUSAL_LM_MAPPING:
        return config, CAUSAL
    raise EngineError(
        "unknown_architecture",
        f"{field_name}: model type {config.model_type!r} of {source!r} is neither an encoder-decoder "
        f"(seq2seq) model nor a causal LM; supported: T5 family, Llama, Qwen, GPT-2 and other causal LMs",
    )


def load_model(
    model_ref: str,
    init_from: str | None,
    device: torch.device,
    keep_pristine: bool = True,
    attention: str = "sdpa",
    compile: bool = False,
) -> LoadedModel:
    """Load the base model (or the folder a previous run saved, when init_from is set) in fp32 on `device`,
    with `attention` as its attention kernel."""
    from transformers import AutoTokenizer

    check_device(attention, device)
    if attention == "flex_attention":
        use_flex_fix()
    started = time.perf_counter()
    base = locate_model(model_ref, "model")
    source = locate_model(init_from, "init_from", must_be_local=True) if init_from else base
    field_name = "init_from" if init_from else "model"
    config, arch = _architecture(source, field_name)
    # Checked here from the class's declared kernels: from_pretrained's ValueError words each one differently.
    model_class = arch.model_class(config)
    if attention not in supported(model_class):
        raise unsupported_error(attention, model_class, config.model_type, field_name)
    try:
        # fp32 master weights; bf16 enters through autocast (the thesis recipe).
        repo, pin = pretrained_args(source)
        model = arch.auto_class().from_pretrained(
            repo, config=config, dtype=torch.float32, attn_implementation=attention, **pin
        )
        tokenizer = AutoTokenizer.from_pretrained(repo, **pin)
    except OSError as e:
        raise EngineError(
            "model_not_found", f"{field_name}: cannot load {source!r}: {str(e).splitlines()[0]}"
        ) from None
    if tokenizer.pad_token_id is None:
        # Llama, GPT-2: no pad token; padding positions are masked anyway, so eos serves.
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token_id is None:
        raise EngineError(
            "unknown_architecture", f"{field_name}: the tokenizer of {source!r} has no eos token"
        )
    model.to(device)
    if compile:
        # Opt-in torch.compile (spec `compile`), in place so the module, its state_dict and restore stay
        # the same; dynamic shapes because every micro-batch has its own length. Unmeasured on GPU: off.
        model.compile(dynamic=True)
    pin = device.type == "cuda"
    # The pristine copy lives on the CPU (pinned on CUDA for a fast host-to-device restore).
    pristine = {}
    for k, v in model.state_dict().items() if keep_pristine else ():
        copy = v.detach().to("cpu", copy=True)
        pristine[k] = copy.pin_memory() if pin else copy
    return LoadedModel(
        key=(base, source, str(device), attention, compile),
        model=model,
        tokenizer=tokenizer,
        arch=arch,
        model_type=config.model_type,
        device=device,
        pristine=pristine,
        load_s=time.perf_counter() - started,
        attention=attention,
    )


class ModelCache:
    """Holds the one base model of this worker; a run on another model replaces it."""

    def __init__(self, keep_pristine: bool = True):
        self.current: LoadedModel | None = None
        # False for a process that serves one run (launch.py): no host copy of the weights (on a node with
        # 8 torchrun processes and a 3B model that would be 8 pinned copies of 12 GB).
        self.keep_pristine = keep_pristine

    def get(
        self,
        model_ref: str,
        init_from: str | None,
        device: torch.device,
        attention: str = "sdpa",
        training: bool = False,
        compile: bool = False,
    ) -> tuple[LoadedModel, dict]:
        """The model ready for a run, plus timings: {"load_s"} on first use, {"restore_s"} after.

        A run with another attention kernel or compile setting loads the model again. `training`: the run
        will train; a kernel that cannot train this model is a bad_spec here, before training starts."""
        base = locate_model(model_ref, "model")
        source = locate_model(init_from, "init_from", must_be_local=True) if init_from else base
        check_device(attention, device)
        key = (base, source, str(device), attention, compile)
        cur = self.current
        if cur is not None and cur.key == key:
            if training:
                check_trainable(cur.model, attention)
            started = time.perf_counter()
            if cur.dirty:
                if not self.keep_pristine:
                    raise EngineError("internal", "this model cache keeps no pristine weights to restore")
                restore(cur)
            return cur, {"load_s": 0.0, "restore_s": time.perf_counter() - started, "reused": True}
        self.current = None
        if cur is not None:
            del cur
            if device.type == "cuda":
                torch.cuda.empty_cache()
        loaded = load_model(model_ref, init_from, device, self.keep_pristine, attention, compile)
        self.current = loaded
        if training:
            check_trainable(loaded.model, attention)
        return loaded, {"load_s": loaded.load_s, "restore_s": 0.0, "reused": False}


def restore(loaded: LoadedModel) -> None:
    """Put the pristine weights back in place (in-place copy, so optimizer-free and allocation-free)."""
    model = loaded.model
    model.load_state_dict(loaded.pristine, strict=True)
    for p in model.parameters():
        p.requires_grad_(True)
    model.zero_grad(set_to_none=True)
    if hasattr(model, "gradient_checkpointing_disable") and getattr(
        model, "is_gradient_checkpointing", False
    ):
        model.gradient_checkpointing_disable()
    loaded.dirty = False
