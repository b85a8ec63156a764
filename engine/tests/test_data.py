"""Encoding rules: truncation counts, tk-instruct example dropping, batching under a token budget."""

from transformers import AutoTokenizer

from quicklearn_engine.architecture import CAUSAL, SEQ2SEQ
from quicklearn_engine.data import Example, drop_overflowing_examples, encode, split_tk_instruct
from quicklearn_engine.train import micro_batches, step_groups

DEF = "Definition: Say the word.\n\n"
EX1 = " Positive Example 1 -\nInput: number 1.\n Output: apple.\n\n"
EX2 = " Positive Example 2 -\nInput: number 2 " + "and more words " * 10 + ".\n Output: river.\n\n"
INST = "Now complete the following example -\nInput: number 3.\nOutput: "


def test_split_tk_instruct_finds_definition_examples_and_instance():
    assert split_tk_instruct(DEF + EX1 + EX2 + INST) == (DEF, [EX1, EX2], INST)
    assert split_tk_instruct(DEF + INST) == (DEF, [], INST)
    assert split_tk_instruct("input: x\noutput: ") is None


def test_tk_instruct_drops_overflowing_examples_before_truncating(tiny_t5):
    tok = AutoTokenizer.from_pretrained(tiny_t5)
    n = lambda s: len(tok(s)["input_ids"])  # noqa: E731
    limit = n(DEF + EX1 + INST) + 2  # room for example 1, not for example 2
    source, dropped = drop_overflowing_examples(DEF + EX1 + EX2 + INST, tok, limit)
    assert (source, dropped) == (DEF + EX1 + INST, 1)
    rows = [{"id": "a", "task": "t", "source": DEF + EX1 + EX2 + INST, "target": "x"}]
    examples, counts = encode(rows, tok, SEQ2SEQ, limit, 16, "tk-instruct", True)
    assert counts.as_dict()["tasks"]["t"] == {
        "rows": 1,
        "truncated_sources": 0,
        "truncated_targets": 0,
        "dropped_examples": 1,
    }
    # The thesis encodings are truncated as they are, never edited.
    examples, counts = encode(rows, tok, SEQ2SEQ, limit, 16, "thesis-def-pos", True)
    assert counts.as_dict()["tasks"]["t"]["truncated_sources"] == 1 and len(examples[0].source_ids) == limit
    assert examples[0].source_ids[-1] == tok.eos_token_id  # HF truncation keeps eos


def test_truncated_targets_are_counted_per_task(tiny_t5, tiny_llama):
    for model, arch in ((tiny_t5, SEQ2SEQ), (tiny_llama, CAUSAL)):
        tok = AutoTokenizer.from_pretrained(model)
        rows = [
            {"id": "1", "task": "a", "source": "s", "target": "apple river stone cloud maple tiger"},
            {"id": "2", "task": "b", "source": "s", "target": "apple"},
        ]
        examples, counts = encode(rows, tok, arch, 64, 4, "plain", True)
        tasks = counts.as_dict()["tasks"]
        assert tasks["a"]["truncated_targets"] == 1 and tasks["b"]["truncated_targets"] == 0
        assert len(examples[0].target_ids) == 4 and examples[0].target_ids[-1] == tok.eos_token_id


def test_micro_batches_stay_under_the_token_budget_and_cover_the_step():
    group = [Example(i, str(i), "t", [5] * (10 + 7 * i), [6] * (1 + i % 3)) for i in range(12)]
    for arch in (SEQ2SEQ, CAUSAL):
        batches = micro_batches(group, 120, arch)
        assert sorted(e.index for b in batches for e in b) == list(range(12))
        assert all(arch.padded_cost(b) <= 120 or len(b) == 1 for b in batches)
        assert len(batches) > 1


def test_step_groups_are_a_seeded_partition():
    a = step_groups(25, 12, seed=1, epoch=0)
    assert [len(g) for g in a] == [12, 12, 1] and sorted(sum(a, [])) == list(range(25))
    assert a == step_groups(25, 12, seed=1, epoch=0) and a != step_groups(25, 12, seed=1, epoch=1)
