"""Shared fixtures: toy data, tiny models made offline, and a worker subprocess driver."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ENGINE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = ENGINE_DIR.parent
# The SuperNI subset that ships with the project (assets/demo/superni/PROVENANCE.md): real tasks, always here.
SUPERNI = REPO_ROOT / "assets" / "demo" / "superni"

# Tiny models on a shared 2-core CI machine run far faster single-threaded.
os.environ["QUICKLEARN_TORCH_THREADS"] = "1"
torch.set_num_threads(1)

# QUICKLEARN_TEST_DEVICE=cuda (scripts/gpu-check.sh) runs the runs that base_spec describes on the GPU, in
# bf16 autocast (precision auto). Tests that pin CPU-only behaviour are skipped then, each with its reason.
TEST_DEVICE = os.environ.get("QUICKLEARN_TEST_DEVICE", "cpu")
CPU_ONLY = {
    "test_distributed.py": "several processes on one machine (gloo); NCCL needs a GPU per process",
    "test_bench.py": "CPU by construction; the bench's CUDA path is gpu-check.sh's bench and levers steps",
    "test_levers.py": "CPU by construction; the bench's CUDA path is gpu-check.sh's bench and levers steps",
    "test_worker.py::test_resume_after_sigkill_equals_an_uninterrupted_run": "bit-identical losses across "
    "a resume: CUDA kernels (atomic adds in backward) are not run-to-run deterministic",
}


def pytest_configure(config):
    if TEST_DEVICE not in ("cpu", "cuda"):
        raise pytest.UsageError(f"QUICKLEARN_TEST_DEVICE={TEST_DEVICE!r}: use cpu or cuda")
    if TEST_DEVICE == "cuda" and not torch.cuda.is_available():
        raise pytest.UsageError("QUICKLEARN_TEST_DEVICE=cuda but torch sees no CUDA GPU")


def pytest_collection_modifyitems(config, items):
    if TEST_DEVICE == "cpu":
        return
    for item in items:
        name = item.path.name
        reason = CPU_ONLY.get(name) or CPU_ONLY.get(f"{name}::{item.originalname}")
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"CPU only: {reason}"))


WORDS = (
    "apple river stone cloud maple tiger piano ocean silver candle "
    "forest rocket garden winter lemon castle violet thunder meadow falcon"
).split()


def toy_rows(n: int = 20, task_of=lambda i: "toy_a" if i % 2 else "toy_b") -> list[dict]:
    return [
        {
            "id": f"toy-{i}",
            "task": task_of(i),
            "category": "Toy",
            # Varying lengths so that length batching actually reorders.
            "source": (
                f"Definition: say the word for the number.{' Think.' * (i % 5)}\ninput: number {i}\noutput: "
            ),
            "target": WORDS[i % len(WORDS)],
            "references": [WORDS[i % len(WORDS)]],
        }
        for i in range(n)
    ]


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.fixture(scope="session")
def toy_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("toy")
    write_jsonl(d / "train.jsonl", toy_rows())
    return d


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory, toy_dir) -> str:
    from quicklearn_engine.tiny import make_tiny

    out = tmp_path_factory.mktemp("models") / "t5"
    make_tiny("t5", str(out), corpus=str(toy_dir), vocab_size=300)
    return str(out)


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory, toy_dir) -> str:
    from quicklearn_engine.tiny import make_tiny

    out = tmp_path_factory.mktemp("models") / "llama"
    make_tiny("llama", str(out), corpus=str(toy_dir), vocab_size=300)
    return str(out)


def base_spec(model: str, out: Path, train_file: str | None, eval_file: str | None, **extra) -> dict:
    spec = {"run_id": "test", "model": model, "output_dir": str(out), "device": TEST_DEVICE, "seed": 7}
    if train_file:
        spec["train"] = {
            "files": [train_file],
            "epochs": 1,
            "learning_rate": 3e-3,
            "effective_batch_size": 10,
            "checkpoints": False,
        }
    if eval_file:
        spec["eval"] = {"files": [eval_file], "max_new_tokens": 8}
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(spec.get(key), dict):
            spec[key] = {**spec[key], **value}
        else:
            spec[key] = value
    return spec


class WorkerProcess:
    """The real worker as a subprocess, read event by event."""

    def __init__(self, env: dict | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "quicklearn_engine.worker"],
            cwd=ENGINE_DIR,
            env={**os.environ, "PYTHONPATH": str(ENGINE_DIR), **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready = self.next_event()
        assert ready["type"] == "ready", ready

    def send(self, request: dict) -> None:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()

    def next_event(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, f"worker exited (code {self.proc.poll()})"
        return json.loads(line)

    def until_terminal(self) -> tuple[dict, list[dict]]:
        events = []
        while True:
            e = self.next_event()
            events.append(e)
            if e["type"] in ("done", "error", "loaded", "bye"):
                return e, events

    def close(self) -> None:
        if self.proc.poll() is None:
            self.send({"type": "shutdown"})
            self.proc.wait(timeout=30)


@pytest.fixture
def worker():
    procs = []

    def start(env: dict | None = None) -> WorkerProcess:
        w = WorkerProcess(env)
        procs.append(w)
        return w

    yield start
    for w in procs:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()
