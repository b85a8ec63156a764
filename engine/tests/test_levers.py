"""`bench --levers` and `bench --attention` on the CPU with the tiny shape: the JSON they print, what each
path ran with, and that the CPU refuses flex_attention clearly (engine/quicklearn_engine/levers.py)."""

import json

import pytest

from quicklearn_engine.bench import main

SMALL = ["--model", "t5-tiny-shape", "--device", "cpu", "--steps", "1", "--warmup-steps", "0"]


def run_bench(capsys, *args: str) -> tuple[int, dict | None, str]:
    code = main([*SMALL, "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else None, err


def test_levers_measure_each_fast_path_against_the_engine_defaults(capsys, tmp_path):
    # compile is left out: compiling even the tiny model takes minutes on 2 CPU cores.
    picked = ["gradient_checkpointing", "static_cache", "flex_attention", "eager"]
    out = tmp_path / "levers.json"
    lever_args = [arg for name in picked for arg in ("--lever", name)]
    code, result, err = run_bench(capsys, "--gen-prompts", "4", "--levers", *lever_args, "--out", str(out))
    assert code == 0, err
    assert set(result) == {"device", "baseline", "levers"} and result["device"].startswith("cpu")
    baseline = result["baseline"]
    assert baseline["settings"] == {
        "attention": "sdpa",
        "compile": False,
        "static_cache": False,
        "gradient_checkpointing": False,  # the tiny shape's default
    }
    assert baseline["train_samples_per_s"] > 0 and baseline["gen_prompts_per_s"] > 0
    assert baseline["peak_mem_gb"] is None  # CPU
    levers = {lever["name"]: lever for lever in result["levers"]}
    # In LEVERS order whatever order --lever gave; each changes one setting of the baseline.
    assert list(levers) == [
        "attention=eager",
        "attention=flex_attention",
        "static_cache=on",
        "gradient_checkpointing=on",
    ]
    for name in ("attention=eager", "static_cache=on", "gradient_checkpointing=on"):
        lever = levers[name]
        changed = {k for k, v in lever["settings"].items() if v != baseline["settings"][k]}
        assert len(changed) == 1 and changed.pop() in name
        ratio = lever["train_samples_per_s"] / baseline["train_samples_per_s"]
        assert lever["speedup_train"] == pytest.approx(ratio, rel=1e-3)
        ratio = lever["gen_prompts_per_s"] / baseline["gen_prompts_per_s"]
        assert lever["speedup_gen"] == pytest.approx(ratio, rel=1e-3)
        assert lever["gen_identical"] == 4  # fp32 on the CPU: every path generates the same tokens
        assert "error" not in lever and "skipped" not in lever
    flex = levers["attention=flex_attention"]
    assert "flex_attention needs a CUDA GPU" in flex["skipped"] and "train_samples_per_s" not in flex
    assert json.loads(out.read_text())["meta"]["model"] == "t5-tiny-shape"


def test_bench_attention_is_the_engine_paths_kernel_and_the_contract_keeps_its_keys(capsys, tmp_path):
    out = tmp_path / "bench.json"
    code, result, err = run_bench(capsys, "--gen-prompts", "2", "--attention", "eager", "--out", str(out))
    assert code == 0, err
    assert set(result) == {"device", "reference", "engine", "ratios"}
    meta = json.loads(out.read_text())["meta"]
    assert meta["attention"] == {"reference": "sdpa", "engine": "eager"}
    assert meta["engine_attention_dropout"] == 0.1  # eager keeps T5's dropout
    assert meta["gen_identical"] == 2  # eager generates sdpa's tokens (fp32)


def test_bench_refuses_flex_attention_on_the_cpu_and_mixed_lever_flags(capsys):
    code, _, err = run_bench(capsys, "--attention", "flex_attention")
    assert code == 2 and "bad_spec: attention: flex_attention needs a CUDA GPU" in err
    with pytest.raises(SystemExit) as e:
        main([*SMALL, "--levers", "--compile"])
    assert e.value.code == 2 and "--levers measures attention, compile" in capsys.readouterr().err
