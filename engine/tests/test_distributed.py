"""Data-parallel training (torchrun, 2 CPU processes over gloo) follows the one-process trajectory."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file

from conftest import ENGINE_DIR, base_spec, toy_rows, write_jsonl
from quicklearn_engine.data import Example
from quicklearn_engine.distributed import Parallel, share
from quicklearn_engine.models import ModelCache
from quicklearn_engine.run import execute
from quicklearn_engine.spec import parse_spec


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def ex(i: int, n_src: int, n_tgt: int = 2) -> Example:
    return Example(index=i, id=str(i), task="t", source_ids=[5] * n_src, target_ids=[6] * n_tgt)


def test_share_deals_every_example_once_balanced_by_length():
    group = [ex(i, n) for i, n in enumerate([3, 9, 1, 7, 5, 8, 2])]
    parts = [share(group, r, 3) for r in range(3)]
    assert sorted(e.index for p in parts for e in p) == list(range(7))
    assert [len(p) for p in parts] == [3, 2, 2]
    assert [e.index for e in parts[0]] == [1, 4, 2]  # lengths 9, 5, 1: longest, 4th, 7th


def test_a_rank_without_a_share_still_takes_part_with_a_zero_weight():
    par = Parallel(rank=1, world_size=2, local_rank=1, backend="gloo")
    steps = list(par.micro_steps([ex(0, 4)], lambda g: [g]))
    assert [(len(mb), w, last) for mb, w, last in steps] == [(1, 0.0, True)]


def torchrun(spec: dict, spec_file: Path, nproc: int = 2) -> list[str]:
    spec_file.write_text(json.dumps(spec))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(nproc)]
    return cmd + ["-m", "quicklearn_engine.launch", "--spec", str(spec_file)]


def wait_until_gone(marker: str, timeout_s: float = 20) -> bool:
    """True once no process has `marker` in its command line."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                alive.append(marker in cmdline.read_bytes().decode(errors="replace"))
            except OSError:
                pass  # the process ended while we looked
        if not any(alive):
            return True
        time.sleep(0.2)
    return False


ENV = {**os.environ, "PYTHONPATH": str(ENGINE_DIR), "QUICKLEARN_TORCH_THREADS": "1", "OMP_NUM_THREADS": "1"}

# 13 rows at 4 per step: the last step has one example, so rank 1 runs a zero-weight stand-in; a small
# token budget splits each rank's share into micro-batches (gradient sync on the last one only).
TRAIN = {"epochs": 2, "effective_batch_size": 4, "max_tokens_per_batch": 60, "learning_rate": 3e-3}


@pytest.mark.parametrize("parallel, arch", [("ddp", "t5"), ("fsdp", "t5"), ("fsdp", "llama")])
def test_two_processes_follow_the_one_process_loss_trajectory(parallel, arch, request, tmp_path):
    model = request.getfixturevalue(f"tiny_{arch}")
    data = write_jsonl(tmp_path / "train.jsonl", toy_rows(13))
    single = base_spec(model, tmp_path / "single", data, data, train=TRAIN, save_model=True)
    execute(parse_spec(single), ModelCache(), lambda e: None)

    many = {**single, "output_dir": str(tmp_path / "ddp")}
    many["train"] = {**single["train"], "parallel": parallel}
    cmd = torchrun(many, tmp_path / "ddp.json")
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[-1]["type"] == "done", events[-1]
    assert {e["type"] for e in events} >= {"progress", "done"}
    # Only rank 0 speaks: one "done", and one progress event per emitted step (no duplicates).
    assert sum(e["type"] == "done" for e in events) == 1

    one = read_jsonl(tmp_path / "single" / "train_log.jsonl")
    two = read_jsonl(tmp_path / "ddp" / "train_log.jsonl")
    assert len(one) == len(two) == 8
    for a, b in zip(one, two, strict=True):
        assert b["loss"] == pytest.approx(a["loss"], abs=1e-5), (a["step"], a["loss"], b["loss"])
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=1e-4)
    assert one[-1]["loss"] < one[0]["loss"]  # it did learn, so matching trajectories mean something

    w1 = load_file(tmp_path / "single" / "model" / "model.safetensors")
    w2 = load_file(tmp_path / "ddp" / "model" / "model.safetensors")
    assert w1.keys() == w2.keys()
    worst = max(float((w1[k] - w2[k]).abs().max()) for k in w1)
    w0 = load_file(Path(model) / "model.safetensors")
    moved = max(float((w1[k] - w0[k]).abs().max()) for k in w1)
    # Adam divides by sqrt(v): on weights with near-zero gradients rounding differences of the summed
    # gradients grow to ~1e-5 after a few steps, three orders of magnitude below the training's own change.
    assert worst < 1e-4 and moved > 1e-2, (worst, moved)

    # Generation was split across the ranks and put back in input order.
    preds = read_jsonl(tmp_path / "ddp" / "predictions.jsonl")
    assert [p["id"] for p in preds] == [r["id"] for r in toy_rows(13)]
    assert preds == read_jsonl(tmp_path / "single" / "predictions.jsonl")
    stats = json.loads((tmp_path / "ddp" / "stats.json").read_text())
    spread = stats["distributed"]
    assert (spread["world_size"], spread["backend"], spread["parallel"]) == (2, "gloo", parallel)
    if parallel == "fsdp":  # each rank held about half of the weights (so of their gradients and AdamW state)
        assert 0.4 < spread["parameters_per_rank"] / stats["parameters"] < 0.6, spread
    assert not (tmp_path / "ddp" / "checkpoint").exists()


def test_a_killed_fsdp_run_resumes_from_its_checkpoint(tiny_t5, tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", toy_rows(13))
    train = {**TRAIN, "parallel": "fsdp", "checkpoints": True, "checkpoint_every_steps": 2}
    whole = base_spec(tiny_t5, tmp_path / "whole", data, None, train=train)
    cmd = torchrun(whole, tmp_path / "whole.json")
    subprocess.run(cmd, env=ENV, capture_output=True, timeout=170, check=True)

    # Kill torchrun once step 4's checkpoint is written; its ranks (in sessions of their own) must die too.
    killed = {**whole, "output_dir": str(tmp_path / "killed")}
    cmd = torchrun(killed, tmp_path / "killed.json")
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        event = json.loads(line)
        if event["type"] == "checkpoint" and event["step"] == 4:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert wait_until_gone(str(tmp_path / "killed.json")), "a rank outlived torchrun"
    assert not (tmp_path / "killed" / "train_log.jsonl").exists()

    resumed = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=170)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    stats = json.loads((tmp_path / "killed" / "stats.json").read_text())
    assert stats["train"]["resumed_from_step"] == 4
    one = read_jsonl(tmp_path / "whole" / "train_log.jsonl")
    two = read_jsonl(tmp_path / "killed" / "train_log.jsonl")
    # The same processes and the same arithmetic: the resumed trajectory is the uninterrupted one, exactly.
    assert [r["loss"] for r in two] == [r["loss"] for r in one]
