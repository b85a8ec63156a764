"""Issue 5's benchmark contract and the fast paths it measures, on CPU: the JSON keys, identical greedy
outputs between HF generate at batch 2 and the engine's batching, padding-aware micro-batches, and the
engine's loss curve against the thesis recipe on a tiny real model and real SuperNI data."""

import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import ENGINE_DIR, SUPERNI
from quicklearn_engine.architecture import SEQ2SEQ
from quicklearn_engine.data import encode
from quicklearn_engine.device import Placement
from quicklearn_engine.harness import (
    EFFECTIVE_BATCH,
    Clock,
    engine_generate,
    make_model,
    reference_generate,
    reference_train,
    synthetic_examples,
)
from quicklearn_engine.spec import parse_spec
from quicklearn_engine.train import micro_batches, step_groups, train
from quicklearn_engine.train_config import resolve_train_config

CPU = Placement(torch.device("cpu"), "fp32")


def test_bench_prints_the_contract_json_with_the_small_shape(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "quicklearn_engine.bench", "--model", "t5-small-shape", "--device", "cpu",
         "--json", "--steps", "1", "--warmup-steps", "0", "--gen-prompts", "4", "--out", str(out)],
        cwd=ENGINE_DIR,
        env={**os.environ, "PYTHONPATH": str(ENGINE_DIR), "QUICKLEARN_TORCH_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)  # exactly one JSON document on stdout
    assert set(result) == {"device", "reference", "engine", "ratios"}
    keys = {"train_samples_per_s", "mfu", "peak_mem_gb", "gen_prompts_per_s"}
    assert set(result["reference"]) == keys
    assert set(result["engine"]) == keys | {"per_run_overhead_s"}
    assert set(result["ratios"]) == {"train", "gen"}
    assert result["device"].startswith("cpu")
    for side in ("reference", "engine"):
        assert result[side]["train_samples_per_s"] > 0 and result[side]["gen_prompts_per_s"] > 0
        assert result[side]["mfu"] is None and result[side]["peak_mem_gb"] is None  # CPU: no honest peak
    assert 0 < result["engine"]["per_run_overhead_s"] < 5
    ratio = result["engine"]["train_samples_per_s"] / result["reference"]["train_samples_per_s"]
    assert result["ratios"]["train"] == pytest.approx(ratio, rel=1e-3)
    meta = json.loads(out.read_text())["meta"]
    assert meta["gen_identical"] == 4 and meta["parameters"] > 70e6  # v1.1 small with its own LM head
    assert 300 < meta["mean_source_tokens"] < 460 and 4 < meta["mean_target_tokens"] < 12


def test_bench_model_is_the_t5_v1_1_xl_shape():
    model = make_model("t5-xl-shape", torch.device("meta"))
    n = sum(p.numel() for p in model.parameters())
    assert model.lm_head.weight is not model.shared.weight
    assert 2.84e9 < n < 2.86e9  # google/t5-v1_1-xl: 2.85 B parameters (untied head)


@pytest.mark.parametrize("static", [False, True])
def test_engine_generation_equals_hf_generate_at_batch_2(static):
    torch.set_num_threads(1)
    model = make_model("t5-tiny-shape", torch.device("cpu")).eval()
    examples = synthetic_examples(10, seed=3, max_source=200)
    ref = reference_generate(model, examples, CPU, max_new_tokens=12)
    eng = engine_generate(model, examples, CPU, 12, batch_size=32, static=static)

    def strip(seq):
        return [t for t in seq if t not in (0, 1)]

    assert [strip(s) for s in eng] == [strip(s) for s in ref]
    assert all(len(strip(s)) > 0 for s in ref)


def _ex(i, src, tgt):
    from quicklearn_engine.data import Example

    return Example(i, str(i), "t", [5] * src, [6] * tgt)


def test_padding_aware_micro_batches_cut_padding_and_keep_the_budget():
    group = [_ex(i, s, 4) for i, s in enumerate([1000, 950, 900, 400, 380, 350, 120, 100, 100, 90, 60, 40])]
    greedy = micro_batches(group, 16384, SEQ2SEQ)
    dp = micro_batches(group, 16384, SEQ2SEQ, overhead_tokens=256)
    assert len(greedy) == 1  # one batch padded to 1,000 tokens
    for split in (greedy, dp):
        assert sorted(e.index for b in split for e in b) == list(range(12))
    cost = lambda split: sum(SEQ2SEQ.padded_cost(b) for b in split)  # noqa: E731
    assert cost(dp) + 256 * len(dp) < cost(greedy) + 256 * len(greedy)
    assert 1 < len(dp) < 12
    # A huge per-batch overhead merges everything the budget allows; the budget still holds.
    assert len(micro_batches(group, 16384, SEQ2SEQ, overhead_tokens=10**9)) == 1
    tight = micro_batches(group, 3000, SEQ2SEQ, overhead_tokens=10**9)
    assert all(SEQ2SEQ.padded_cost(b) <= 3000 or len(b) == 1 for b in tight)


@pytest.fixture(scope="module")
def superni_model_and_rows(tmp_path_factory):
    from quicklearn_engine.tiny import make_tiny

    task = json.loads((SUPERNI / "tasks" / "task648_answer_generation.json").read_text())
    rows = [
        {
            "id": inst["id"],
            "task": "task648",
            "category": task["Categories"][0],
            "source": f"Definition: {task['Definition'][0]}\n\nNow complete the following example -\n"
            f"Input: {inst['input']}\nOutput: ",
            "target": inst["output"][0],
        }
        for inst in task["Instances"][:48]
    ]
    out = tmp_path_factory.mktemp("superni-model") / "t5"
    make_tiny("t5", str(out), corpus=str(SUPERNI), vocab_size=1000)
    return str(out), rows


def test_engine_loss_curve_matches_the_thesis_recipe_on_real_data(superni_model_and_rows, tmp_path):
    """Same model, same data order and effective batch 12, lr 1e-3, fp32 on CPU (on CUDA both paths are
    bf16 autocast over fp32 master weights): the engine (token-mean loss over the step, padding-aware
    micro-batches, one update per step) against the thesis recipe (batch 1, accumulation 12, per-example
    mean / 12). The update rules weight tokens slightly differently, so the curves agree within noise."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    torch.set_num_threads(1)
    model_dir, rows = superni_model_and_rows
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    examples, _ = encode(rows, tokenizer, SEQ2SEQ, 256, 32, "thesis-def-pos", True)
    epochs, seed = 3, 5
    spec = parse_spec(
        {
            "run_id": "curve",
            "model": model_dir,
            "device": "cpu",
            "seed": seed,
            "output_dir": "unused",
            "train": {"files": ["unused"], "epochs": epochs, "learning_rate": 1e-3, "checkpoints": False},
        }
    )
    steps_per_epoch = len(examples) // EFFECTIVE_BATCH
    groups = [g for ep in range(epochs) for g in step_groups(len(examples), 12, seed, ep)]
    ordered = [examples[i] for g in groups for i in g]

    engine_model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=torch.float32)
    torch.manual_seed(seed)
    config = resolve_train_config(spec, SEQ2SEQ, tokenizer.pad_token_id, CPU, len(examples), tmp_path)
    result = train(engine_model, examples, config, lambda e: None)
    engine = [r["loss"] for r in result.log]

    ref_model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=torch.float32)
    torch.manual_seed(seed)

    _, reference = reference_train(ref_model, ordered, CPU, Clock(CPU.device), warmup_steps=0, lr=1e-3)

    assert len(engine) == len(reference) == epochs * steps_per_epoch
    assert engine[0] == pytest.approx(reference[0], rel=1e-4)  # same weights, same first batch
    assert engine[-1] < engine[0] * 0.8 and reference[-1] < reference[0] * 0.8  # both learn
    for e, r in zip(engine, reference, strict=True):
        assert e == pytest.approx(r, rel=0.05), (engine, reference)
    # Epoch means: the curves' levels agree closely.
    for ep in range(epochs):
        sl = slice(ep * steps_per_epoch, (ep + 1) * steps_per_epoch)
        assert sum(engine[sl]) == pytest.approx(sum(reference[sl]), rel=0.03)
