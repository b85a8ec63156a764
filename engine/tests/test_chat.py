"""Spec `template: chat` (issue 15): the source as the user turn, the target as the assistant's, rendered with
the tokenizer's own chat template; loss on the answer alone, generation stopping at the end of the turn."""

import json
from pathlib import Path

import pytest
import torch

from conftest import base_spec, toy_rows
from quicklearn_engine.architecture import CAUSAL
from quicklearn_engine.data import encode
from quicklearn_engine.device import resolve_placement
from quicklearn_engine.errors import EngineError
from quicklearn_engine.generate import generate_batch_ids
from quicklearn_engine.generate_config import resolve_generate_config
from quicklearn_engine.models import ModelCache, load_model
from quicklearn_engine.run import execute
from quicklearn_engine.spec import parse_spec
from quicklearn_engine.tiny import CHAT_TOKENS, make_tiny

TEMPLATE_MARKERS = CHAT_TOKENS + ["<pad>", "</s>"]


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def run(spec: dict, cache: ModelCache | None = None) -> tuple[dict, list[dict]]:
    events: list[dict] = []
    return execute(parse_spec(spec), cache or ModelCache(), events.append), events


@pytest.fixture(scope="session")
def chat_model(tmp_path_factory, toy_dir):
    """Per architecture, a tiny causal LM whose tokenizer carries the ChatML template."""
    made = {}

    def get(arch: str = "llama") -> str:
        if arch not in made:
            out = tmp_path_factory.mktemp("chat-models") / arch
            make_tiny(arch, str(out), corpus=str(toy_dir), vocab_size=300, chat_template=True)
            made[arch] = str(out)
        return made[arch]

    return get


@pytest.fixture(scope="session")
def memorised(chat_model, toy_dir, tmp_path_factory):
    """The tiny chat Llama trained with template chat until it repeats the 20 toy answers."""
    data = str(toy_dir / "train.jsonl")
    out = tmp_path_factory.mktemp("chat-memorised")
    train = {"epochs": 40, "learning_rate": 3e-3}
    body, _ = run(base_spec(chat_model(), out, data, data, template="chat", save_model=True, train=train))
    return out, body


def chat_for(model_dir: str):
    loaded = load_model(model_dir, None, torch.device("cpu"), keep_pristine=False)
    return loaded, loaded.arch.chat_template(loaded.tokenizer, model_dir)


def test_the_loss_mask_covers_exactly_the_assistant_tokens(chat_model):
    loaded, chat = chat_for(chat_model())
    tok = loaded.tokenizer
    rows = toy_rows(6)
    examples, counts = encode(rows, tok, CAUSAL, 512, 32, "thesis-def-pos", True, chat)
    batch = CAUSAL.collate(examples, tok.pad_token_id, torch.device("cpu"))
    for row, ex, ids, labels, mask in zip(
        rows, examples, batch["input_ids"], batch["labels"], batch["attention_mask"], strict=True
    ):
        user = [{"role": "user", "content": row["source"]}]
        prompt = tok.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
        full = tok.apply_chat_template(
            user + [{"role": "assistant", "content": row["target"]}], tokenize=False
        )
        prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
        full_ids = tok(full, add_special_tokens=False)["input_ids"]
        n = int(mask.sum())
        # The model reads the rendered conversation, up to and including the answer's end of turn.
        assert ex.source_ids == prompt_ids
        assert ids[:n].tolist() == full_ids[:n]
        assert tok.decode(full_ids[n:]).strip() == ""  # only the template's newline after <|im_end|> is left
        # Loss: on the answer and its <|im_end|>, never on the prompt (user turn, generation prompt).
        trained = labels[:n] != -100
        assert trained.tolist() == [False] * len(prompt_ids) + [True] * (n - len(prompt_ids))
        assert tok.decode(labels[:n][trained].tolist()) == row["target"] + "<|im_end|>"
    assert counts.as_dict()["total"] == {
        "rows": 6,
        "truncated_sources": 0,
        "truncated_targets": 0,
        "dropped_examples": 0,
    }


def test_truncation_keeps_the_generation_prompt_and_the_end_of_turn_and_is_counted(chat_model):
    loaded, chat = chat_for(chat_model())
    tok = loaded.tokenizer
    rows = [{**r, "target": "apple river stone cloud maple tiger"} for r in toy_rows(4)]
    examples, counts = encode(rows, tok, CAUSAL, 12, 4, "thesis-def-pos", True, chat)
    end = tok.convert_tokens_to_ids("<|im_end|>")
    for ex in examples:
        assert len(ex.source_ids) == 12 and ex.source_ids[-len(chat.tail_ids) :] == chat.tail_ids
        assert tok.decode(ex.source_ids).rstrip().endswith("assistant")
        assert len(ex.target_ids) == 4 and ex.target_ids[-1] == end
    assert counts.as_dict()["tasks"]["toy_a"] == {
        "rows": 2,
        "truncated_sources": 2,
        "truncated_targets": 2,
        "dropped_examples": 0,
    }


def test_generation_stops_at_the_end_of_turn_and_predictions_hold_no_template_tokens(memorised):
    out, body = memorised
    predictions = read_jsonl(out / "predictions.jsonl")
    assert [p["prediction"] for p in predictions] == [r["target"] for r in toy_rows()]
    assert body["stats"]["template"] == "chat"
    # The raw generated ids: the answer, <|im_end|>, then padding only (generation stopped there). With eos as
    # the only stop, as under template none, the model runs on past the end of its turn.
    loaded, chat = chat_for(str(out / "model"))
    tok = loaded.tokenizer
    examples, _ = encode(toy_rows(), tok, CAUSAL, 512, 32, "thesis-def-pos", False, chat)
    placement = resolve_placement("cpu", "fp32")
    end = tok.convert_tokens_to_ids("<|im_end|>")
    spec = parse_spec(base_spec(str(out / "model"), out, None, "unused", eval={"max_new_tokens": 16}))
    with_chat = resolve_generate_config(spec, CAUSAL, tok, placement, chat)
    stopped = generate_batch_ids(loaded.model, examples, with_chat)
    for ids in stopped:
        at = ids.index(end)
        assert all(t == tok.pad_token_id for t in ids[at + 1 :]), tok.convert_ids_to_tokens(ids)
    without_chat = resolve_generate_config(spec, CAUSAL, tok, placement, None)
    unstopped = generate_batch_ids(loaded.model, examples, without_chat)
    assert any(any(t != tok.pad_token_id for t in ids[ids.index(end) + 1 :]) for ids in unstopped)


def test_an_untrained_chat_model_predicts_no_template_tokens(chat_model, toy_dir, tmp_path):
    # A random model emits any token, template markers included: decoding must drop them all.
    data = str(toy_dir / "train.jsonl")
    spec = base_spec(chat_model("qwen2"), tmp_path, None, data, template="chat", eval={"max_new_tokens": 24})
    body, _ = run(spec)
    predictions = [p["prediction"] for p in read_jsonl(tmp_path / "predictions.jsonl")]
    assert len(predictions) == 20 and any(predictions)
    for text in predictions:
        assert not any(marker in text for marker in TEMPLATE_MARKERS), text
    assert body["stats"]["model_type"] == "qwen2"


def test_training_through_the_template_with_lora_on_qwen2(chat_model, toy_dir, tmp_path):
    data = str(toy_dir / "train.jsonl")
    train = {"epochs": 2, "lora": {"r": 4}}
    body, _ = run(base_spec(chat_model("qwen2"), tmp_path, data, data, template="chat", train=train))
    assert body["stats"]["train"]["truncation"]["total"]["rows"] == 20
    assert len(read_jsonl(tmp_path / "predictions.jsonl")) == 20


def test_a_model_without_a_chat_template_is_a_bad_spec(tiny_llama, tiny_t5, toy_dir, tmp_path):
    data = str(toy_dir / "train.jsonl")
    with pytest.raises(EngineError) as e:
        run(base_spec(tiny_llama, tmp_path / "a", data, data, template="chat"))
    assert e.value.code == "bad_spec" and "has no chat template" in e.value.message
    assert "template 'none'" in e.value.message
    with pytest.raises(EngineError) as e:
        run(base_spec(tiny_t5, tmp_path / "b", data, data, template="chat"))
    assert e.value.code == "bad_spec" and "seq2seq" in e.value.message
    # Nothing half-written: the failed runs left no predictions.
    assert not list(tmp_path.rglob("predictions.jsonl"))


def test_template_is_none_by_default_and_checked(tiny_llama, tmp_path):
    spec = base_spec(tiny_llama, tmp_path, None, "x.jsonl")
    assert parse_spec(spec).template == "none"
    with pytest.raises(EngineError, match="template: Input should be 'none' or 'chat'"):
        parse_spec({**spec, "template": "jinja"})


def test_template_none_keeps_the_raw_text_even_for_a_model_with_a_template(chat_model):
    loaded, _ = chat_for(chat_model())
    tok = loaded.tokenizer
    rows = toy_rows(3)
    examples, _ = encode(rows, tok, CAUSAL, 512, 32, "thesis-def-pos", True)
    assert [e.source_ids for e in examples] == tok([r["source"] for r in rows])["input_ids"]
    assert all(tok.convert_tokens_to_ids("<|im_start|>") not in e.source_ids for e in examples)


def test_tiny_chat_model_has_the_chatml_markers_as_special_tokens(chat_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(chat_model())
    assert [tok.convert_tokens_to_ids(t) for t in ["<pad>", "</s>", "<unk>"]] == [0, 1, 2]
    assert set(tok.convert_tokens_to_ids(CHAT_TOKENS)) <= set(tok.all_special_ids)
    text = tok.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
    )
    assert text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    with pytest.raises(EngineError, match="--chat-template"):
        make_tiny("t5", "/nonexistent/never-written", chat_template=True)


def test_tk_instruct_drops_examples_by_the_rendered_prompt_length(chat_model):
    loaded, chat = chat_for(chat_model())
    tok = loaded.tokenizer
    definition = "Definition: Say the word.\n\n"
    ex1 = " Positive Example 1 -\nInput: number 1.\n Output: apple.\n\n"
    ex2 = " Positive Example 2 -\nInput: number 2 " + "and more words " * 4 + ".\n Output: river.\n\n"
    instance = "Now complete the following example -\nInput: number 3.\nOutput: "
    full, kept = definition + ex1 + ex2 + instance, definition + ex1 + instance
    # The raw source fits the limit, the rendered prompt (template tokens added) does not, without example 2
    # it does: counting the template's tokens drops example 2 rather than truncating the prompt.
    limit = len(tok(full)["input_ids"]) + 1
    assert chat.prompt_length(kept) <= limit < chat.prompt_length(full)
    rows = [{"id": "a", "task": "t", "source": full, "target": "x"}]
    examples, counts = encode(rows, tok, CAUSAL, limit, 16, "tk-instruct", True, chat)
    assert counts.as_dict()["tasks"]["t"]["dropped_examples"] == 1
    assert counts.as_dict()["tasks"]["t"]["truncated_sources"] == 0
    assert examples[0].source_ids == tok(chat.prompts([kept])[0], add_special_tokens=False)["input_ids"]


def test_the_preflight_names_a_model_that_cannot_run_template_chat(chat_model, tiny_llama, tiny_t5):
    from quicklearn_engine.check import check_chat_template

    [ok] = check_chat_template(chat_model("qwen2"))
    assert ok["check"] == "template" and ok["ok"] and "<|im_end|>" in ok["message"]
    [plain] = check_chat_template(tiny_llama)
    assert not plain["ok"] and "has no chat template" in plain["message"]
    [t5] = check_chat_template(tiny_t5)
    assert not t5["ok"] and "seq2seq" in t5["message"]
    assert check_chat_template("/nonexistent/model") == []  # the model finding names a missing model
