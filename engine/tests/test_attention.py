"""The spec's `attention` kernel: eager and sdpa train and generate alike, flex_attention's limits are clear
errors, and T5's shared position bias goes through flex_attention correctly (quicklearn_engine.attention)."""

import json
from pathlib import Path

import pytest
import torch

from conftest import TEST_DEVICE, base_spec
from quicklearn_engine.errors import EngineError
from quicklearn_engine.models import ModelCache
from quicklearn_engine.run import execute
from quicklearn_engine.spec import parse_spec

# Equivalence runs are fp32 on either device: the kernels then differ only in summation order.
FP32 = {"precision": "fp32"}
TRAIN = {"epochs": 5, "learning_rate": 3e-3}  # 20 rows, batch 10: 10 steps


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def train_and_generate(model: str, data: str, out: Path, attention: str, cache: ModelCache) -> dict:
    spec = base_spec(model, out, data, data, train=TRAIN, attention=attention, **FP32)
    stats = execute(parse_spec(spec), cache, lambda e: None)["stats"]
    return {
        "losses": [r["loss"] for r in read_jsonl(out / "train_log.jsonl")],
        "predictions": read_jsonl(out / "predictions.jsonl"),
        "stats": stats,
    }


@pytest.mark.parametrize("arch", ["t5", "llama"])
def test_eager_and_sdpa_train_to_the_same_losses_and_predictions(arch, request, toy_dir, tmp_path):
    model = request.getfixturevalue(f"tiny_{arch}")
    data = str(toy_dir / "train.jsonl")
    cache = ModelCache()
    eager = train_and_generate(model, data, tmp_path / "eager", "eager", cache)
    sdpa = train_and_generate(model, data, tmp_path / "sdpa", "sdpa", cache)

    assert (eager["stats"]["attention"], sdpa["stats"]["attention"]) == ("eager", "sdpa")
    assert not sdpa["stats"]["model_reused"]  # another kernel: the model was loaded again
    assert len(eager["losses"]) == len(sdpa["losses"]) == 10
    assert sdpa["losses"][-1] < sdpa["losses"][0] * 0.7  # it trains, so the comparison means something
    # fp32, same weights, data and order: only the kernels' summation order differs (~1e-7 relative per
    # op); ten Adam steps at lr 3e-3 carry that into the losses at ~1e-6 (observed on the CPU: below 1e-5).
    assert sdpa["losses"] == pytest.approx(eager["losses"], rel=1e-4)
    assert sdpa["predictions"] == eager["predictions"]


def test_a_kernel_the_architecture_lacks_is_a_bad_spec_naming_the_supported_ones(
    tiny_t5, toy_dir, tmp_path, monkeypatch
):
    from transformers.models.t5.modeling_t5 import T5PreTrainedModel

    monkeypatch.setattr(T5PreTrainedModel, "_supports_sdpa", False)
    spec = base_spec(tiny_t5, tmp_path, None, str(toy_dir / "train.jsonl"), attention="sdpa")
    with pytest.raises(EngineError) as e:
        execute(parse_spec(spec), ModelCache(), lambda e: None)
    assert e.value.code == "bad_spec"
    assert e.value.message.startswith("attention: t5 models") and "'sdpa'" in e.value.message
    assert e.value.message.endswith("supported: eager, flex_attention")


@pytest.mark.parametrize("train", [True, False])
def test_flex_attention_on_the_cpu_is_a_bad_spec_before_anything_runs(train, tiny_t5, toy_dir, tmp_path):
    data = str(toy_dir / "train.jsonl")
    train_file = data if train else None
    spec = base_spec(tiny_t5, tmp_path, train_file, data, attention="flex_attention", device="cpu")
    cache = ModelCache()
    with pytest.raises(EngineError) as e:
        execute(parse_spec(spec), cache, lambda e: None)
    assert e.value.code == "bad_spec" and "flex_attention needs a CUDA GPU" in e.value.message
    assert e.value.message.endswith("use sdpa")
    assert cache.current is None  # refused before loading


def test_flex_attention_refuses_to_train_a_model_with_attention_dropout(toy_dir, tmp_path):
    from transformers import AutoModelForSeq2SeqLM

    from quicklearn_engine.attention import check_trainable
    from quicklearn_engine.tiny import make_tiny

    make_tiny("t5", str(tmp_path / "t5"), corpus=str(toy_dir), vocab_size=300, dropout=0.1)
    model = AutoModelForSeq2SeqLM.from_pretrained(str(tmp_path / "t5"))
    with pytest.raises(EngineError) as e:
        check_trainable(model, "flex_attention")
    assert e.value.code == "bad_spec" and "attention dropout (dropout_rate 0.1)" in e.value.message
    check_trainable(model, "sdpa")  # the other kernels have dropout


def test_flex_attention_reads_t5s_shared_position_bias_for_every_example(tiny_t5):
    """One forward pass on the CPU (flex's CPU forward compiles for one shape; see attention.check_device):
    a padded batch of 3 through flex_attention gives sdpa's logits. transformers 5.17's own flex path
    reads T5's [1, heads, q, kv] bias at [batch, ...] and fails for any batch of more than one."""
    from transformers import AutoModelForSeq2SeqLM

    from quicklearn_engine.attention import use_flex_fix

    use_flex_fix()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(3, 290, (3, 20), generator=g)
    mask = torch.ones_like(ids)
    mask[1, -5:] = 0
    ids[1, -5:] = 0
    decoder_ids = torch.randint(3, 290, (3, 4), generator=g)
    logits = {}
    for kernel in ("sdpa", "flex_attention"):
        model = AutoModelForSeq2SeqLM.from_pretrained(tiny_t5, attn_implementation=kernel).eval()
        with torch.no_grad():
            logits[kernel] = model(input_ids=ids, attention_mask=mask, decoder_input_ids=decoder_ids).logits
    # Observed max difference 1.3e-5 on logits of magnitude ~1 (flex's online softmax vs sdpa's).
    torch.testing.assert_close(logits["flex_attention"], logits["sdpa"], rtol=0, atol=1e-4)


@pytest.mark.skipif(TEST_DEVICE != "cuda", reason="flex_attention runs on CUDA (QUICKLEARN_TEST_DEVICE=cuda)")
@pytest.mark.parametrize("arch", ["t5", "llama"])
def test_flex_attention_on_cuda_trains_and_generates_like_sdpa(arch, request, toy_dir, tmp_path):
    model = request.getfixturevalue(f"tiny_{arch}")
    data = str(toy_dir / "train.jsonl")
    cache = ModelCache()
    sdpa = train_and_generate(model, data, tmp_path / "sdpa", "sdpa", cache)
    flex = train_and_generate(model, data, tmp_path / "flex", "flex_attention", cache)
    assert flex["stats"]["attention"] == "flex_attention"
    assert flex["losses"] == pytest.approx(sdpa["losses"], rel=1e-4)
    assert flex["predictions"] == sdpa["predictions"]
