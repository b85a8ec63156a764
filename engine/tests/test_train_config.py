"""The resolved training config (train_config.py) and the per-kind batches (architecture.py): what the loop
reads instead of the spec, and the padding side each kind of model needs."""

from pathlib import Path

import torch

from conftest import base_spec, write_jsonl
from quicklearn_engine.architecture import CAUSAL, SEQ2SEQ
from quicklearn_engine.data import Example
from quicklearn_engine.device import Placement
from quicklearn_engine.spec import parse_spec
from quicklearn_engine.train_config import resolve_train_config

CPU = Placement(torch.device("cpu"), "fp32")


def resolved(tmp_path: Path, n_examples: int = 25, **train):
    data = write_jsonl(tmp_path / "train.jsonl", [{"id": "1", "task": "t", "source": "s", "target": "t"}])
    spec = parse_spec(base_spec("unused", tmp_path / "out", data, None, train=train))
    return resolve_train_config(spec, SEQ2SEQ, 0, CPU, n_examples, tmp_path / "ckpt")


def test_steps_come_from_the_examples_the_batch_and_the_epochs(tmp_path):
    cfg = resolved(tmp_path, 25, effective_batch_size=12, epochs=1.5)
    assert (cfg.steps_per_epoch, cfg.total_steps) == (3, 5)  # the last step of an epoch may be short
    assert resolved(tmp_path, 1, epochs=0.1).total_steps == 1


def test_a_constant_schedule_with_warmup_is_transformers_constant_with_warmup(tmp_path):
    assert resolved(tmp_path, lr_schedule="constant").lr_schedule == "constant"
    assert resolved(tmp_path, lr_schedule="constant", warmup_steps=2).lr_schedule == "constant_with_warmup"
    assert resolved(tmp_path, lr_schedule="cosine", warmup_steps=2).lr_schedule == "cosine"


def test_checkpoints_fall_due_every_n_steps_or_at_epoch_ends(tmp_path):
    assert resolved(tmp_path, checkpoints=False).checkpoint is None
    at_epochs = resolved(tmp_path, 25, effective_batch_size=12, epochs=2, checkpoints=True)
    due = [s for s in range(1, at_epochs.total_steps + 1) if at_epochs.checkpoint.due(s, 3, 6)]
    assert due == [3, 6]
    every = resolved(
        tmp_path, 25, effective_batch_size=12, epochs=2, checkpoints=True, checkpoint_every_steps=4
    )
    assert [s for s in range(1, 7) if every.checkpoint.due(s, 3, 6)] == [4]
    # The fingerprint covers the data: another file, another training.
    write_jsonl(tmp_path / "train.jsonl", [{"id": "2", "task": "t", "source": "s", "target": "u"}])
    assert resolved(tmp_path, checkpoints=True).checkpoint.fingerprint != at_epochs.checkpoint.fingerprint


def test_seq2seq_prompts_pad_on_the_right_and_causal_ones_on_the_left():
    batch = [Example(0, "a", "t", [5, 6, 7], []), Example(1, "b", "t", [8], [])]
    right = SEQ2SEQ.prompt_batch(batch, 0, torch.device("cpu"))
    left = CAUSAL.prompt_batch(batch, 0, torch.device("cpu"))
    assert right["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert right["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert left["input_ids"].tolist() == [[5, 6, 7], [0, 0, 8]]
    assert left["attention_mask"].tolist() == [[1, 1, 1], [0, 0, 1]]


def test_a_causal_batch_labels_the_target_alone_and_a_seq2seq_one_feeds_it_to_the_decoder():
    batch = [Example(0, "a", "t", [5, 6], [9, 1]), Example(1, "b", "t", [8], [1])]
    causal = CAUSAL.collate(batch, 0, torch.device("cpu"))
    assert causal["input_ids"].tolist() == [[5, 6, 9, 1], [8, 1, 0, 0]]
    assert causal["labels"].tolist() == [[-100, -100, 9, 1], [-100, 1, -100, -100]]
    seq2seq = SEQ2SEQ.collate(batch, 0, torch.device("cpu"))
    assert seq2seq["input_ids"].tolist() == [[5, 6], [8, 0]]
    assert seq2seq["labels"].tolist() == [[9, 1], [1, -100]]
    # A causal LM predicts each token from those before it: with no prompt the first target token is free.
    assert [CAUSAL.predicted_tokens(e) for e in batch] == [2, 1]
    assert CAUSAL.predicted_tokens(Example(2, "c", "t", [], [9, 1])) == 1
    assert SEQ2SEQ.predicted_tokens(Example(2, "c", "t", [], [9, 1])) == 2
