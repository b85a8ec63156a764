"""One generation's settings, resolved once from the run spec's eval section, the loaded model and the
placement: generate.py reads them here instead of a long argument list (docs/engine.md has the semantics)."""

from dataclasses import dataclass

from .architecture import Architecture
from .chat import ChatTemplate
from .device import Placement
from .spec import RunSpec


@dataclass(frozen=True)
class GenerateConfig:
    arch: Architecture
    placement: Placement  # the device, and the precision its autocast runs
    pad_id: int
    eos_id: int
    # A chat template's end of turn and eos (chat.py), empty without one: generation stops at any of them and
    # a prediction is what comes before the first, since a template token that is not a special one would
    # survive decoding. A tuple, so that the frozen config cannot change under a running generation.
    stop_ids: tuple[int, ...]
    max_new_tokens: int
    num_beams: int  # 1 = greedy (the thesis); never sampled
    # Prompts per batch, taken longest first (length_batches).
    batch_size: int
    # A preallocated KV cache: the same tokens, faster only with compile / CUDA graphs.
    static_cache: bool

    @property
    def eos_token_id(self) -> int | list[int]:
        """What Hugging Face's generate stops at: the stop tokens where there are some, else the plain eos
        id, passed as the int it always was."""
        return list(self.stop_ids) or self.eos_id


def resolve_generate_config(
    spec: RunSpec,
    arch: Architecture,
    tokenizer,
    placement: Placement,
    chat: ChatTemplate | None,
) -> GenerateConfig:
    e = spec.eval
    if e is None:
        raise ValueError("resolve_generate_config: the spec has no eval section")
    return GenerateConfig(
        arch=arch,
        placement=placement,
        pad_id=tokenizer.pad_token_id,
        eos_id=tokenizer.eos_token_id,
        stop_ids=tuple(chat.stop_ids) if chat else (),
        max_new_tokens=e.max_new_tokens,
        num_beams=e.num_beams,
        batch_size=e.batch_size,
        static_cache=e.static_cache,
    )
