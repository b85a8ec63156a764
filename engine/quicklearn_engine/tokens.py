"""A tokenized example and tokenizing with truncation: what both data.py and architecture.py build on."""

from dataclasses import dataclass


@dataclass
class Example:
    index: int  # position in the input files (predictions keep this order)
    id: str
    task: str
    source_ids: list[int]
    target_ids: list[int]  # empty for evaluation rows

    @property
    def length(self) -> int:
        return len(self.source_ids) + len(self.target_ids)


def truncated_ids(tokenizer, texts: list[str], max_len: int, special: bool) -> list[tuple[list[int], bool]]:
    """(ids, was_truncated) per text; truncated ones are re-tokenized the way HF truncates (eos kept)."""
    full = tokenizer(texts, add_special_tokens=special)["input_ids"]
    over = [i for i, ids in enumerate(full) if len(ids) > max_len]
    out = [(ids, False) for ids in full]
    if over:
        cut = tokenizer(
            [texts[i] for i in over], add_special_tokens=special, truncation=True, max_length=max_len
        )["input_ids"]
        for i, ids in zip(over, cut, strict=False):
            out[i] = (ids, True)
    return out
