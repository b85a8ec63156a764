"""The worker process: protocol, clear errors, SIGKILL resume equivalence, no partial predictions."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ENGINE_DIR, TEST_DEVICE, base_spec, toy_rows, write_jsonl
from quicklearn_engine.errors import EngineError
from quicklearn_engine.models import ModelCache
from quicklearn_engine.run import execute
from quicklearn_engine.spec import parse_spec


@pytest.fixture(scope="module")
def dropout_t5(tmp_path_factory, toy_dir) -> str:
    """With dropout, resuming is only equal if the RNG state comes back too."""
    from quicklearn_engine.tiny import make_tiny

    out = tmp_path_factory.mktemp("models") / "t5-dropout"
    make_tiny("t5", str(out), corpus=str(toy_dir), vocab_size=300, dropout=0.1)
    return str(out)


def resumable_spec(model: str, out: Path, data: str) -> dict:
    return base_spec(
        model,
        out,
        data,
        data,
        train={"epochs": 6, "effective_batch_size": 4, "checkpoints": True, "checkpoint_every_steps": 3},
    )


def test_resume_after_sigkill_equals_an_uninterrupted_run(worker, dropout_t5, toy_dir, tmp_path):
    data = str(toy_dir / "train.jsonl")
    # Uninterrupted reference, in process.
    execute(parse_spec(resumable_spec(dropout_t5, tmp_path / "ref", data)), ModelCache(), lambda e: None)

    w = worker()
    w.send({"type": "run", "id": 1, "spec": resumable_spec(dropout_t5, tmp_path / "run", data)})
    while True:
        e = w.next_event()
        assert e["type"] not in ("done", "error"), e
        if e["type"] == "checkpoint" and e["step"] >= 9:
            os.kill(w.proc.pid, signal.SIGKILL)
            w.proc.wait()
            break
    out = tmp_path / "run"
    assert (out / "checkpoint" / "state.pt").is_file()
    assert not (out / "predictions.jsonl").exists() and not (out / "stats.json").exists()

    w2 = worker()
    w2.send({"type": "run", "id": 2, "spec": resumable_spec(dropout_t5, out, data)})
    done, events = w2.until_terminal()
    assert done["type"] == "done", done
    assert done["stats"]["train"]["resumed_from_step"] >= 9
    assert any(e["type"] == "log" and "resumed" in e["message"] for e in events)
    ref = (tmp_path / "ref" / "predictions.jsonl").read_text()
    assert (out / "predictions.jsonl").read_text() == ref

    # Not only the predictions: every logged loss, before and after the resume point, is bit-identical.
    def losses(folder: Path) -> list[float]:
        return [json.loads(line)["loss"] for line in (folder / "train_log.jsonl").read_text().splitlines()]

    assert len(losses(out)) == 30 and losses(out) == losses(tmp_path / "ref")
    assert not (out / "checkpoint").exists()


def test_run_killed_during_generation_leaves_no_predictions(worker, tiny_llama, tmp_path):
    rows = toy_rows(20) * 20  # 400 prompts: generation takes a while
    for i, r in enumerate(rows):
        r["id"] = f"row-{i}"
    data = write_jsonl(tmp_path / "eval.jsonl", rows)
    out = tmp_path / "out"
    out.mkdir()
    (out / "predictions.jsonl").write_text('{"stale": true}\n')  # from an earlier attempt
    w = worker()
    w.send(
        {
            "type": "run",
            "id": 1,
            "spec": base_spec(tiny_llama, out, None, data, eval={"batch_size": 2, "max_new_tokens": 32}),
        }
    )
    while True:
        e = w.next_event()
        assert e["type"] not in ("done", "error"), e
        if e["type"] == "progress" and e["phase"] == "generate":
            os.kill(w.proc.pid, signal.SIGKILL)
            w.proc.wait()
            break
    assert not (out / "predictions.jsonl").exists()
    assert not list(out.glob("*predictions*"))


def test_worker_serves_runs_and_reports_errors_without_dying(worker, tiny_t5, toy_dir, tmp_path):
    data = str(toy_dir / "train.jsonl")
    w = worker()
    w.send({"type": "load_model", "id": "L", "model": tiny_t5, "device": TEST_DEVICE})
    loaded, _ = w.until_terminal()
    assert loaded["type"] == "loaded" and loaded["id"] == "L" and loaded["model_type"] == "t5"

    w.send({"type": "run", "id": 1, "spec": base_spec(tiny_t5, tmp_path / "a", data, data)})
    done, events = w.until_terminal()
    assert done["type"] == "done" and done["run_id"] == "test" and done["id"] == 1
    assert done["stats"]["model_reused"] is True  # loaded by the load_model request
    progress = [e for e in events if e["type"] == "progress"]
    assert progress and {"step", "total_steps", "epoch", "loss", "lr", "samples_per_s", "eta_s"} <= set(
        progress[0]
    )
    assert set(done["outputs"]) == {"predictions", "train_log", "stats"}

    cases = [
        ("not json", "bad_request"),
        (
            json.dumps(
                {"type": "run", "spec": {**base_spec(tiny_t5, tmp_path / "b", None, data), "epochz": 3}}
            ),
            "bad_spec",
        ),
        (
            json.dumps(
                {
                    "type": "run",
                    "spec": base_spec(str(tmp_path / "no-such-model"), tmp_path / "b", None, data),
                }
            ),
            "model_not_found",
        ),
        (
            json.dumps(
                {
                    "type": "run",
                    "spec": base_spec(tiny_t5, tmp_path / "b", None, str(tmp_path / "missing.jsonl")),
                }
            ),
            "data_error",
        ),
        (json.dumps({"type": "fly"}), "bad_request"),
    ]
    for line, code in cases:
        w.proc.stdin.write(line + "\n")
        w.proc.stdin.flush()
        err, _ = w.until_terminal()
        assert err["type"] == "error" and err["code"] == code, err
        assert err["message"] and "Traceback" not in err["message"]
    w.send({"type": "shutdown"})
    assert w.until_terminal()[0]["type"] == "bye"
    assert w.proc.wait(timeout=30) == 0


def test_cuda_requested_without_a_gpu_is_a_clear_error(worker, tiny_t5, toy_dir, tmp_path):
    w = worker(env={"CUDA_VISIBLE_DEVICES": ""})  # hides any GPU, so this holds on GPU machines too
    w.send(
        {
            "type": "run",
            "spec": base_spec(tiny_t5, tmp_path, None, str(toy_dir / "train.jsonl"), device="cuda"),
        }
    )
    err, _ = w.until_terminal()
    assert err["type"] == "error" and err["code"] == "cuda_unavailable"
    assert "no CUDA GPU" in err["message"] and "'cpu'" in err["message"]
    assert not (tmp_path / "predictions.jsonl").exists()


def test_unknown_architecture_is_a_clear_error(tmp_path, toy_dir):
    for model_type in ("not-a-model", "vit"):
        d = tmp_path / model_type
        d.mkdir()
        (d / "config.json").write_text(json.dumps({"model_type": model_type}))
        with pytest.raises(EngineError) as e:
            execute(
                parse_spec(base_spec(str(d), tmp_path / "o", None, str(toy_dir / "train.jsonl"))),
                ModelCache(),
                print,
            )
        assert e.value.code == "unknown_architecture" and str(d) in e.value.message


def test_bad_specs_name_the_field():
    cases = [
        ({"model": "m", "output_dir": "o", "eval": {"files": ["x"]}}, "run_id"),
        ({"run_id": "r", "model": "m", "output_dir": "o", "eval": {"files": []}}, "eval.files"),
        (
            {
                "run_id": "r",
                "model": "m",
                "output_dir": "o",
                "train": {"files": ["x"], "learning_rate": "high"},
            },
            "train.learning_rate",
        ),
        (
            {"run_id": "r", "model": "m", "output_dir": "o", "device": "tpu", "eval": {"files": ["x"]}},
            "device",
        ),
        ({"run_id": "r", "model": "m", "output_dir": "o"}, "nothing to do"),
        (
            {
                "run_id": "r",
                "model": "m",
                "output_dir": "o",
                "train": {"files": ["x"], "parallel": "fsdp", "lora": {}},
            },
            "train.parallel 'fsdp' with train.lora",
        ),
        ([1, 2], "JSON object"),
    ]
    for spec, where in cases:
        with pytest.raises(EngineError) as e:
            parse_spec(spec)
        assert e.value.code == "bad_spec" and where in e.value.message, e.value.message


def test_worker_dies_with_its_parent(tiny_t5, toy_dir, tmp_path):
    """A SIGKILLed driver (Node, here a stand-in Python parent) takes its engine worker with it even in the
    middle of a run, so no orphan goes on writing into a run folder that a resumed study runs again (an
    idle worker would notice its closed stdin anyway; a busy one does not read it)."""
    data = str(toy_dir / "train.jsonl")
    spec = base_spec(tiny_t5, tmp_path / "out", data, None, train={"epochs": 500, "checkpoints": False})
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"type": "run", "id": 1, "spec": spec}))
    parent_code = (
        "import subprocess, sys, time\n"
        "w = subprocess.Popen([sys.executable, '-m', 'quicklearn_engine.worker'], stdin=subprocess.PIPE,\n"
        "                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)\n"
        "print(w.pid, flush=True)\n"
        "w.stdin.write(open(sys.argv[1]).read() + '\\n'); w.stdin.flush()\n"
        "for line in w.stdout:\n"
        "    if '\"progress\"' in line:\n"
        "        print('training', flush=True)\n"
        "        break\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, str(request)],
        cwd=ENGINE_DIR,
        env={**os.environ, "PYTHONPATH": str(ENGINE_DIR)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        worker_pid = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "training"
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(worker_pid):
            time.sleep(0.1)
        assert not _alive(worker_pid), "the engine worker outlived its killed parent"
    finally:
        parent.kill()
        if _alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"  # a zombie is dead, only not yet reaped by init
    except FileNotFoundError:
        return False
