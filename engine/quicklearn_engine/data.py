"""Reading `data build` JSONL files and turning rows into token ids, counting truncation per task."""

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .chat import ChatTemplate
from .errors import EngineError
from .tokens import Example as Example
from .tokens import truncated_ids

if TYPE_CHECKING:
    from .architecture import Architecture

REQUIRED_FIELDS = ("id", "task", "source")

# Markers of the `tk-instruct` encoding (see issue 2 / src/data): definition, examples, then the instance.
TK_EXAMPLE = "\n\n Positive Example {k} -\nInput: "
TK_INPUT = "\n\nNow complete the following example -\nInput: "


def read_rows(files: list[str], need_target: bool) -> list[dict]:
    """All rows of the files in order; a malformed row is a data_error naming file, line and field."""
    rows = []
    for name in files:
        path = Path(name)
        if not path.is_file():
            raise EngineError("data_error", f"{name}: data file not found")
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise EngineError("data_error", f"{name}:{n}: invalid JSON: {e.msg}") from None
                fields = REQUIRED_FIELDS + (("target",) if need_target else ())
                for key in fields:
                    if not isinstance(row.get(key), str):
                        raise EngineError("data_error", f"{name}:{n}: field {key!r} must be a string")
                rows.append(row)
    if not rows:
        raise EngineError("data_error", f"no rows in {', '.join(files)}")
    return rows


class Truncation:
    """Per task: rows, truncated sources and targets, positive examples dropped (tk-instruct)."""

    def __init__(self):
        self.by_task = defaultdict(
            lambda: {"rows": 0, "truncated_sources": 0, "truncated_targets": 0, "dropped_examples": 0}
        )

    def as_dict(self) -> dict:
        tasks = {t: dict(v) for t, v in sorted(self.by_task.items())}
        total = {
            k: sum(v[k] for v in tasks.values())
            for k in ("rows", "truncated_sources", "truncated_targets", "dropped_examples")
        }
        return {"total": total, "tasks": tasks}


def split_tk_instruct(source: str) -> tuple[str, list[str], str] | None:
    """(definition part, example parts, instance part) of a tk-instruct source; None if it is not one."""
    end = source.find(TK_INPUT)
    if end < 0:
        return None
    head, instance = source[: end + 2], source[end + 2 :]
    cuts = []
    k = 1
    pos = 0
    while True:
        at = head.find(TK_EXAMPLE.format(k=k), pos)
        if at < 0:
            break
        cuts.append(at + 2)
        pos = at + 2
        k += 1
    if not cuts:
        return head, [], instance
    definition = head[: cuts[0]]
    examples = [head[a:b] for a, b in zip(cuts, cuts[1:] + [len(head)], strict=False)]
    return definition, examples, instance


def drop_overflowing_examples(
    source: str, tokenizer, max_len: int, length: Callable[[str], int] | None = None
) -> tuple[str, int]:
    """SuperNI's collator (Tk-Instruct ni_collator.py): keep positive examples, in order, while the
    source with them fits; stop at the first that overflows. Its fit test joins kept examples with " "
    (the built source joins with ""); we keep that quirk so the same sources come out.
    `length`: tokens a source takes in the model's input (default: the source tokenized alone)."""
    parts = split_tk_instruct(source)
    if parts is None:
        return source, 0
    length = length or (lambda text: len(tokenizer(text)["input_ids"]))
    definition, examples, instance = parts
    kept = []
    for ex in examples:
        trial = definition + " ".join(kept) + ex + instance
        if length(trial) <= max_len:
            kept.append(ex)
        else:
            break
    return definition + "".join(kept) + instance, len(examples) - len(kept)


def encode(
    rows: list[dict],
    tokenizer,
    arch: "Architecture",
    max_source_length: int,
    max_target_length: int,
    encoding: str,
    with_targets: bool,
    chat: ChatTemplate | None = None,
) -> tuple[list[Example], Truncation]:
    """Token ids for each row, truncated to the spec's limits; truncation counted per task.
    With `chat`, sources and targets are the user's and the assistant's turns, limits apply to the rendered
    prompt and to the answer with its end-of-turn token."""
    counts = Truncation()
    sources = [r["source"] for r in rows]
    if encoding == "tk-instruct":
        if chat is None:
            lengths = [len(ids) for ids in tokenizer(sources)["input_ids"]]
        else:
            lengths = [
                len(ids) for ids in tokenizer(chat.prompts(sources), add_special_tokens=False)["input_ids"]
            ]
        length = chat.prompt_length if chat else None
        for i, (src, n) in enumerate(zip(sources, lengths, strict=False)):
            # Dropping can only be needed when the full source is near the limit (the fit test adds spaces).
            if n + 8 > max_source_length:
                sources[i], dropped = drop_overflowing_examples(src, tokenizer, max_source_length, length)
                counts.by_task[rows[i]["task"]]["dropped_examples"] += dropped
    if chat is not None:
        targets = [r["target"] for r in rows] if with_targets else None
        source_ids, target_ids = chat.encode(sources, targets, max_source_length, max_target_length)
    else:  # template none: the texts as they are
        source_ids = truncated_ids(tokenizer, sources, max_source_length, True)
        target_ids = (
            arch.target_ids(tokenizer, [r["target"] for r in rows], max_target_length)
            if with_targets
            else [([], False)] * len(rows)
        )
    examples = []
    for i, (row, (src, src_cut), (tgt, tgt_cut)) in enumerate(
        zip(rows, source_ids, target_ids, strict=False)
    ):
        c = counts.by_task[row["task"]]
        c["rows"] += 1
        c["truncated_sources"] += src_cut
        c["truncated_targets"] += tgt_cut
        examples.append(Example(i, str(row["id"]), row["task"], src, tgt))
    return examples, counts
