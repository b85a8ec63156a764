"""The preflight checks (check.py): whole models pass, damaged files are named with what is wrong, a
tracker's missing package is named with the pip command that installs it."""

import json
import os
import shutil
import subprocess
import sys

import torch

from conftest import ENGINE_DIR
from quicklearn_engine.check import check_gpus, check_model, check_tracker
from test_hub import cache_as_hub_model


def by_check(findings: list[dict]) -> dict[str, dict]:
    return {f["check"]: f for f in findings}


def copy_of(model: str, tmp_path, name: str = "m") -> str:
    out = tmp_path / name
    shutil.copytree(model, out)
    return str(out)


def test_a_whole_model_passes_and_counts_its_parameters(tiny_t5):
    found = by_check(check_model(tiny_t5))
    assert [f["ok"] for f in found.values()] == [True, True, True], found
    weights = found["weights"]
    assert weights["parameters"] > 1000 and weights["weight_bytes"] >= 4 * weights["parameters"]


def test_a_truncated_safetensors_file_is_named_with_the_bytes_missing(tiny_t5, tmp_path):
    model = copy_of(tiny_t5, tmp_path)
    path = os.path.join(model, "model.safetensors")
    size = os.path.getsize(path)
    os.truncate(path, size - 1000)
    found = by_check(check_model(model))
    assert found["model"]["ok"] and found["tokenizer"]["ok"]
    with open(path, "rb") as f:
        header = int.from_bytes(f.read(8), "little")
    tensors = size - 8 - header
    assert found["weights"] == {
        "type": "finding",
        "check": "weights",
        "target": model,
        "ok": False,
        "message": f"{path}: truncated: header says {tensors:,} bytes of tensors, "
        f"the file has {tensors - 1000:,}",
    }
    os.truncate(path, 4)
    assert "not even the 8-byte header length" in by_check(check_model(model))["weights"]["message"]


def test_a_cut_tokenizer_json_and_config_are_named(tiny_t5, tmp_path):
    model = copy_of(tiny_t5, tmp_path)
    tok = os.path.join(model, "tokenizer.json")
    with open(tok, "rb") as f:
        head = f.read(3000)
    with open(tok, "wb") as f:
        f.write(head)
    found = by_check(check_model(model))
    assert not found["tokenizer"]["ok"]
    assert found["tokenizer"]["message"].startswith(f"{tok}: not valid JSON: ")
    assert found["tokenizer"]["message"].endswith("(the file ends early: truncated?)")

    with open(os.path.join(model, "config.json"), "w") as f:
        f.write('{"model_type": "t5",')
    assert by_check(check_model(model))["model"]["message"].startswith(
        f"{os.path.join(model, 'config.json')}: not valid JSON"
    )


def test_a_folder_without_weights_or_a_missing_path(tiny_t5, tmp_path):
    model = copy_of(tiny_t5, tmp_path)
    os.remove(os.path.join(model, "model.safetensors"))
    assert "no weight files" in by_check(check_model(model))["weights"]["message"]
    gone = check_model(str(tmp_path / "nowhere"))
    assert len(gone) == 1 and not gone[0]["ok"] and "does not exist" in gone[0]["message"]


def test_hub_ids_from_the_cache_or_a_clear_message_offline(tiny_t5, tmp_path, monkeypatch):
    cache = tmp_path / "hub"
    cache_as_hub_model(tiny_t5, cache, "quicklearn-test/tiny-t5")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    script = (
        "import json, sys\nfrom quicklearn_engine.check import check_model\n"
        "print(json.dumps([check_model(r) for r in sys.argv[1:]]))"
    )
    # A fresh process: huggingface_hub reads its environment once, at import.
    out = subprocess.run(
        [sys.executable, "-c", script, "quicklearn-test/tiny-t5", "quicklearn-test/absent"],
        env={**os.environ, "PYTHONPATH": str(ENGINE_DIR)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cached, absent = json.loads(out)
    assert [f["ok"] for f in cached] == [True, True, True], cached
    assert len(absent) == 1 and not absent[0]["ok"]
    assert "is not in the local Hugging Face cache" in absent[0]["message"]
    assert "HF_HUB_OFFLINE is set" in absent[0]["message"]


def test_gpus_that_do_not_exist(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    found = check_gpus([0, 999])
    assert not found["ok"] and found["target"] == "--gpus 0,999"
    if torch.cuda.is_available():
        assert found["message"].startswith("--gpus 0,999: GPU 999 does not exist")
    else:
        assert found["message"].startswith("--gpus 0,999: no CUDA GPU is available")


def test_the_command_prints_one_json_line_per_finding(tiny_t5, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "quicklearn_engine.check", "--model", tiny_t5, "--model", str(tmp_path / "x")],
        cwd=ENGINE_DIR,
        env={**os.environ, "PYTHONPATH": str(ENGINE_DIR)},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(f["check"], f["ok"]) for f in lines] == [
        ("model", True),
        ("tokenizer", True),
        ("weights", True),
        ("model", False),
    ]


def test_a_tracker_s_package_is_found_by_its_metadata(monkeypatch):
    found = check_tracker("tensorboard")
    assert found["ok"] and found["check"] == "tracking" and found["target"] == sys.executable
    assert found["message"].startswith("tensorboardX 2.") and found["message"].endswith(
        "tracking: tensorboard"
    )
    # A None entry makes the package unimportable, as in an environment without it (test_tracking.py too).
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    missing = check_tracker("tensorboard")
    assert not missing["ok"] and missing["target"] == sys.executable
    pin = next(
        line for line in (ENGINE_DIR / "requirements.txt").read_text().splitlines() if "tensorboardX" in line
    )
    assert pin.startswith("tensorboardX==")
    assert missing["message"] == (
        f"{sys.executable}: tensorboardX is not installed, and `tracking: tensorboard` writes with it; "
        f"install it: {sys.executable} -m pip install {pin}, or leave tracking out of the study spec"
    )


# Runs the command in a Python whose tensorboardX cannot be imported.
WITHOUT_TENSORBOARDX = (
    "import sys\nsys.modules['tensorboardX'] = None\n"
    "from quicklearn_engine.check import main\nsys.exit(main(sys.argv[1:]))"
)


def test_the_command_names_a_missing_tracker_package_only_when_asked(tiny_t5):
    def findings(*args: str) -> list[dict]:
        out = subprocess.run(
            [sys.executable, "-c", WITHOUT_TENSORBOARDX, *args],
            cwd=ENGINE_DIR,
            env={**os.environ, "PYTHONPATH": str(ENGINE_DIR)},
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return [json.loads(line) for line in out.stdout.splitlines()]

    untracked = findings("--model", tiny_t5)
    assert [f["check"] for f in untracked] == ["model", "tokenizer", "weights"]
    tracked = findings("--model", tiny_t5, "--tracker", "tensorboard")
    assert tracked[:3] == untracked
    assert [(f["check"], f["ok"]) for f in tracked[3:]] == [("tracking", False)]
    assert "tensorboardX is not installed" in tracked[3]["message"]
    assert f"{sys.executable} -m pip install tensorboardX==" in tracked[3]["message"]
