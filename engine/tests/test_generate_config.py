"""The resolved generation config (generate_config.py): what generate reads instead of the spec's eval
section, resolved once; frozen, with the spec's defaults, and the chat template's stop tokens."""

import dataclasses
from types import SimpleNamespace

import pytest
import torch

from conftest import base_spec
from quicklearn_engine.architecture import CAUSAL, SEQ2SEQ
from quicklearn_engine.device import Placement
from quicklearn_engine.generate_config import resolve_generate_config
from quicklearn_engine.spec import parse_spec

CPU = Placement(torch.device("cpu"), "fp32")
# Only the two ids resolve_generate_config reads: a real tokenizer would add nothing here but load time.
TOKENIZER = SimpleNamespace(pad_token_id=0, eos_token_id=1)


def spec_with(eval_section: dict | None, train: bool = False):
    train_file = "train.jsonl" if train else None
    spec = base_spec("unused", "unused", train_file, None)
    if eval_section is not None:
        spec["eval"] = eval_section
    return parse_spec(spec)


def test_the_spec_defaults_give_greedy_generation_stopping_at_eos():
    cfg = resolve_generate_config(spec_with({"files": ["e.jsonl"]}), SEQ2SEQ, TOKENIZER, CPU, None)
    assert (cfg.max_new_tokens, cfg.num_beams, cfg.batch_size, cfg.static_cache) == (128, 1, 32, False)
    assert (cfg.arch, cfg.placement, cfg.pad_id, cfg.stop_ids) == (SEQ2SEQ, CPU, 0, ())
    # Without a chat template generate is handed the plain eos id, an int, as before the config existed.
    assert cfg.eos_token_id == 1 and isinstance(cfg.eos_token_id, int)


def test_the_eval_section_is_carried_over():
    section = {
        "files": ["e.jsonl"],
        "max_new_tokens": 9,
        "num_beams": 3,
        "batch_size": 5,
        "static_cache": True,
    }
    cfg = resolve_generate_config(spec_with(section), CAUSAL, TOKENIZER, CPU, None)
    carried = (cfg.arch, cfg.max_new_tokens, cfg.num_beams, cfg.batch_size, cfg.static_cache)
    assert carried == (CAUSAL, 9, 3, 5, True)


def test_a_chat_template_stops_at_its_end_of_turn_and_eos():
    chat = SimpleNamespace(stop_ids=[7, 1])  # end of turn, then eos (chat.ChatTemplate.stop_ids)
    cfg = resolve_generate_config(spec_with({"files": ["e.jsonl"]}), CAUSAL, TOKENIZER, CPU, chat)
    assert cfg.stop_ids == (7, 1)
    assert cfg.eos_token_id == [7, 1]


def test_the_config_is_frozen():
    cfg = resolve_generate_config(spec_with({"files": ["e.jsonl"]}), SEQ2SEQ, TOKENIZER, CPU, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.batch_size = 64  # type: ignore[misc]
    # stop_ids is a tuple: no one can append a stop token to a config that a generation is reading.
    assert isinstance(cfg.stop_ids, tuple)


def test_a_spec_without_an_eval_section_has_no_generation_config():
    with pytest.raises(ValueError, match="no eval section"):
        resolve_generate_config(spec_with(None, train=True), SEQ2SEQ, TOKENIZER, CPU, None)
