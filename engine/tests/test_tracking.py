"""Experiment tracking: TensorBoard event files hold the train log, as TensorBoard's own reader reads them."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import base_spec
from quicklearn_engine.errors import EngineError
from quicklearn_engine.models import ModelCache
from quicklearn_engine.run import execute
from quicklearn_engine.spec import parse_spec
from quicklearn_engine.tracking import SCALARS, TENSORBOARD_DIR


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def event_scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar series of the folder's event files, as TensorBoard reads them (orphans kept, so that a
    step written twice shows twice)."""
    acc = EventAccumulator(str(folder), purge_orphaned_data=False)
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def expected_scalars(log: list[dict]) -> dict[str, list[tuple[int, float]]]:
    """The train log's series as event files store them: float32 values at each row's step."""
    return {
        tag: [(r["step"], float(np.float32(r[key]))) for r in log if r[key] is not None]
        for key, tag in SCALARS.items()
    }


def spec_for(model: str, toy_dir: Path, out: Path, **extra) -> dict:
    return base_spec(model, out, str(toy_dir / "train.jsonl"), None, **extra)


def test_tensorboard_events_hold_the_train_log(tiny_t5, toy_dir, tmp_path):
    out = tmp_path / "run"
    spec = spec_for(tiny_t5, toy_dir, out, tracking=["tensorboard"], train={"epochs": 3})
    execute(parse_spec(spec), ModelCache(), lambda e: None)
    log = read_jsonl(out / "train_log.jsonl")
    assert len(log) == 6  # 20 examples, 10 per step, 3 epochs
    assert event_scalars(out / TENSORBOARD_DIR) == expected_scalars(log)


def test_a_resumed_run_holds_each_logged_step_once(tiny_t5, toy_dir, tmp_path):
    """A run killed after its step-4 checkpoint, run again with tracking turned on: the checkpoint still
    resumes (tracking is not part of its fingerprint) and the curves hold steps 1..6 once each."""
    out = tmp_path / "run"
    train = {"epochs": 3, "checkpoints": True, "checkpoint_every_steps": 2}

    def crash_at_step_4(event: dict) -> None:
        if event["type"] == "checkpoint" and event["step"] == 4:
            raise KeyboardInterrupt

    first = spec_for(tiny_t5, toy_dir, out, tracking=["tensorboard"], train=train)
    with pytest.raises(KeyboardInterrupt):
        execute(parse_spec(first), ModelCache(), crash_at_step_4)
    assert [s for s, _ in event_scalars(out / TENSORBOARD_DIR)["train/loss"]] == [1, 2, 3, 4]

    body = execute(parse_spec(first), ModelCache(), lambda e: None)
    assert body["stats"]["train"]["resumed_from_step"] == 4
    log = read_jsonl(out / "train_log.jsonl")
    assert [r["step"] for r in log] == [1, 2, 3, 4, 5, 6]
    assert len(list((out / TENSORBOARD_DIR).iterdir())) == 1
    assert event_scalars(out / TENSORBOARD_DIR) == expected_scalars(log)


def test_turning_tracking_on_still_resumes_a_checkpoint(tiny_t5, toy_dir, tmp_path):
    out = tmp_path / "run"
    train = {"epochs": 2, "checkpoints": True, "checkpoint_every_steps": 2}

    def crash_at_step_2(event: dict) -> None:
        if event["type"] == "checkpoint" and event["step"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(parse_spec(spec_for(tiny_t5, toy_dir, out, train=train)), ModelCache(), crash_at_step_2)
    assert not (out / TENSORBOARD_DIR).exists()
    tracked = spec_for(tiny_t5, toy_dir, out, tracking=["tensorboard"], train=train)
    body = execute(parse_spec(tracked), ModelCache(), lambda e: None)
    assert body["stats"]["train"]["resumed_from_step"] == 2
    log = read_jsonl(out / "train_log.jsonl")
    assert event_scalars(out / TENSORBOARD_DIR) == expected_scalars(log)


def test_without_tracking_tensorboardx_is_not_needed(tiny_t5, toy_dir, tmp_path, monkeypatch):
    # A None entry makes `import tensorboardX` fail, as in an environment without the package.
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    out = tmp_path / "plain"
    execute(parse_spec(spec_for(tiny_t5, toy_dir, out)), ModelCache(), lambda e: None)
    assert (out / "train_log.jsonl").is_file() and not (out / TENSORBOARD_DIR).exists()

    tracked = parse_spec(spec_for(tiny_t5, toy_dir, tmp_path / "tracked", tracking=["tensorboard"]))
    with pytest.raises(EngineError) as e:
        execute(tracked, ModelCache(), lambda e: None)
    assert e.value.code == "bad_spec" and e.value.user_fault
    assert "tensorboardX" in e.value.message and "pip install" in e.value.message


@pytest.mark.parametrize(
    ("tracking", "problem"),
    [
        (["tensorboard", "tensorboard"], "tracking: lists a tracker twice"),
        (["mlflow"], "tracking.0: Input should be 'tensorboard'"),
        ("tensorboard", "tracking: Input should be a valid list"),
    ],
)
def test_a_bad_tracking_list_is_bad_spec_naming_the_field(tiny_t5, tmp_path, tracking, problem):
    spec = base_spec(tiny_t5, tmp_path, "t.jsonl", None, tracking=tracking)
    with pytest.raises(EngineError) as e:
        parse_spec(spec)
    assert e.value.code == "bad_spec" and problem in e.value.message
