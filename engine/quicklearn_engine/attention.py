"""The attention kernel (the run spec's `attention`): what a model supports, when flex_attention can run,
and a fix that lets T5's relative position bias go through flex_attention at all.

transformers 5.17 routes T5 and the causal LMs through its attention interface: `sdpa` (default; T5's bias
becomes an additive float mask), `eager` (matmul + softmax) or `flex_attention` (torch's compiled kernel,
the bias added inside it by a score_mod).
"""

import torch

from .errors import EngineError

KERNELS = ("sdpa", "eager", "flex_attention")
# Config fields that hold the attention-probability dropout (T5, Llama/Qwen, GPT-2, BERT-like).
_ATTENTION_DROPOUT_FIELDS = (
    "dropout_rate",
    "attention_dropout",
    "attn_pdrop",
    "attention_probs_dropout_prob",
)


def supported(model_class) -> list[str]:
    """The kernels of KERNELS that a transformers model class declares support for (eager always)."""
    flags = {"sdpa": "_supports_sdpa", "flex_attention": "_supports_flex_attn"}
    return [k for k in KERNELS if k == "eager" or getattr(model_class, flags[k], False)]


def unsupported_error(attention: str, model_class, model_type: str, field_name: str) -> EngineError:
    return EngineError(
        "bad_spec",
        f"attention: {model_type} models ({field_name} {model_class.__name__}) do not support {attention!r} "
        f"in this transformers version; supported: {', '.join(supported(model_class))}",
    )


def check_device(attention: str, device: torch.device) -> None:
    """flex_attention only runs on CUDA: torch 2.11 has no CPU backward for it, and its compiled CPU forward
    fails to build (invalid generated C++) once the input shapes change, which generation always does."""
    if attention == "flex_attention" and device.type != "cuda":
        raise EngineError(
            "bad_spec",
            f"attention: flex_attention needs a CUDA GPU (on {device.type}: no backward, so no training, and "
            f"its compiled forward fails once input shapes change); use sdpa",
        )


def check_trainable(model: torch.nn.Module, attention: str) -> None:
    """flex_attention has no dropout: training a model with attention dropout through it would fail at the
    first forward. Say so before training starts."""
    if attention != "flex_attention":
        return
    config = model.config
    for name in _ATTENTION_DROPOUT_FIELDS:
        rate = getattr(config, name, 0.0) or 0.0
        if rate > 0:
            raise EngineError(
                "bad_spec",
                f"attention: flex_attention cannot train this model: it has attention dropout "
                f"({name} {rate}) and flex_attention has none; use sdpa, or a copy of the model with "
                f"{name} 0 in config.json",
            )


def set_attention(model: torch.nn.Module, attention: str) -> None:
    """Switch a loaded model's kernel in place (the benchmark's levers). Every sub-model's config is set:
    T5's encoder and decoder hold their own copies of the config, which transformers'
    set_attn_implementation leaves alone (it only recurses into sub-configs of another class)."""
    from transformers import PreTrainedModel

    if attention == "flex_attention":
        use_flex_fix()
    for module in model.modules():
        if isinstance(module, PreTrainedModel):
            module.config._attn_implementation = attention


_fix_registered = False


def use_flex_fix() -> None:
    """Register flex_attention_shared_bias under transformers' "flex_attention" name (once, process-wide).

    It only changes the case transformers gets wrong and hands every other call to transformers' own
    function, so other models in the process run exactly as before."""
    global _fix_registered
    if not _fix_registered:
        from transformers import AttentionInterface

        AttentionInterface.register("flex_attention", flex_attention_shared_bias)
        _fix_registered = True


def flex_attention_shared_bias(module, query, key, value, attention_mask, position_bias=None, **kwargs):
    """flex_attention for a position bias shared by the whole batch (T5's: [1, heads, q, kv]).

    transformers 5.17's score_mod reads it as bias[batch, head, q, kv]: out of bounds for every example
    but the first (an index error on the CPU; not tried on CUDA). Here it is read as bias[0][head, q, kv],
    which also spares the [batch, heads, q, kv] copy that sdpa's mask needs. The rest follows
    transformers' flex_attention_forward, less what T5 does not use (softcap, attention sinks, GQA).
    """
    from torch.nn.attention.flex_attention import BlockMask
    from transformers.integrations.flex_attention import (
        compile_friendly_flex_attention,
        flex_attention_forward,
    )

    if position_bias is None or position_bias.shape[0] == query.shape[0]:
        return flex_attention_forward(
            module, query, key, value, attention_mask, position_bias=position_bias, **kwargs
        )
    if kwargs.get("dropout", 0.0) > 0:
        raise ValueError("flex_attention has no dropout: train with attention dropout 0, or use sdpa")
    bias = position_bias[0]
    # A padding mask is a BlockMask under flex_attention; a tensor mask (custom 4D masks) is added.
    block_mask = attention_mask if isinstance(attention_mask, BlockMask) else None
    float_mask = None
    if attention_mask is not None and block_mask is None:
        float_mask = attention_mask[:, :, :, : key.shape[-2]]

    def score_mod(score, b, h, q, kv):
        score = score + bias[h, q, kv]
        return score if float_mask is None else score + float_mask[b, 0, q, kv]

    out = compile_friendly_flex_attention(
        query,
        key,
        value,
        training=module.training,
        score_mod=score_mod,
        block_mask=block_mask,
        scale=kwargs.get("scaling"),
        kernel_options=kwargs.get("kernel_options"),
    )
    return out.transpose(1, 2).contiguous(), None
