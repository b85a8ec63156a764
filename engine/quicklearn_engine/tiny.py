"""Tiny, randomly initialised models made offline, for tests and demos (`quicklearn model tiny`).

    python -m quicklearn_engine.tiny --arch t5|llama|qwen2 --out DIR [--corpus DIR] [--vocab-size N]
        [--seed N] [--chat-template]

The tokenizer is a BPE model trained with `tokenizers` on the corpus, with T5's conventions
(pad 0, eos 1, unk 2); the folder is a standard Hugging Face one that Auto*.from_pretrained loads.
With --chat-template (causal LMs) the tokenizer also carries a ChatML template, its two markers added to the
vocabulary as special tokens, like an instruct model's (Qwen2.5-Instruct's format without its system prompt).
Prints one JSON object on stdout: {"out", "arch", "vocab_size", "parameters"} or {"error": {code, message}}.
"""

import argparse
import json
import string
import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import EngineError
from .fsutil import atomic_dir

SPECIAL_TOKENS = ["<pad>", "</s>", "<unk>"]  # ids 0, 1, 2 as in T5
ARCHS = ("t5", "llama", "qwen2")
CHAT_TOKENS = ["<|im_start|>", "<|im_end|>"]
# ChatML: each message is <|im_start|>role\n...<|im_end|>\n; the generation prompt opens the assistant's turn.
CHATML_TEMPLATE = (
    r"{% for message in messages %}"
    r"{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    r"{% endfor %}"
    r"{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Enough text for a tiny vocabulary; more only slows training down.
INSTANCES_PER_TASK = 20
MAX_CORPUS_CHARS = 2_000_000

BUILTIN_TEXT = """Definition: In this task, you are given a sentence. Classify its sentiment as positive or negative.
Positive example 1-
input: The movie was wonderful and the actors were great.
output: positive
Now complete the following example-
input: I did not like the food at all.
output: negative
Definition: Generate a title for the given text. The title should be short and describe the main event.
Given a question and a passage, answer whether the passage contains the answer. Answer yes or no.
Rewrite the sentence so that it is grammatically correct. Identify the cause and the effect.
The quick brown fox jumps over the lazy dog. 0 1 2 3 4 5 6 7 8 9 10 100 1000
"""  # noqa: E501 (tokenizer training text: rewrapping it would change the tiny vocabulary)


def corpus_texts(corpus: Path | None) -> Iterator[str]:
    """Text to train the tokenizer on: SuperNI task files (tasks/*.json) or `data build` JSONL files."""
    yield BUILTIN_TEXT
    if corpus is None:
        return
    if not corpus.is_dir():
        raise EngineError(
            "bad_request", f"--corpus {corpus}: not a folder (give a SuperNI checkout or a data build)"
        )
    task_files = sorted((corpus / "tasks").glob("*.json")) if (corpus / "tasks").is_dir() else []
    if task_files:
        for f in task_files:
            task = json.loads(f.read_text(encoding="utf-8"))
            yield from task.get("Definition", [])
            for ex in task.get("Positive Examples", []) + task.get("Negative Examples", []):
                yield ex.get("input", "")
                yield ex.get("output", "")
            for inst in task.get("Instances", [])[:INSTANCES_PER_TASK]:
                yield inst.get("input", "")
                yield from inst.get("output", [])[:1]
        return
    jsonl = sorted(corpus.rglob("*.jsonl"))
    if not jsonl:
        raise EngineError(
            "bad_request",
            f"--corpus {corpus}: no tasks/*.json (SuperNI) nor *.jsonl files (data build) in it",
        )
    for f in jsonl:
        with f.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    row = json.loads(line)
                    yield row.get("source", "")
                    yield row.get("target", "")


def train_tokenizer(texts: Iterator[str], vocab_size: int, append_eos: bool):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    # BPE rather than T5's Unigram: the Unigram trainer is not deterministic run to run, BPE is.
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        # Every printable ASCII character stays representable, whatever the corpus.
        initial_alphabet=list(string.printable.strip()) + ["\n"],
        max_token_length=16,
        show_progress=False,
    )
    tok.train_from_iterator(_capped(texts, MAX_CORPUS_CHARS), trainer)
    if append_eos:  # seq2seq (T5): every encoded text ends with </s>
        tok.post_processor = processors.TemplateProcessing(
            single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
        )
    assert [tok.token_to_id(t) for t in SPECIAL_TOKENS] == [0, 1, 2]
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


def _capped(texts: Iterator[str], limit: int) -> Iterator[str]:
    total = 0
    for t in texts:
        yield t[: max(0, limit - total)]
        total += len(t)
        if total >= limit:
            return


def make_config(arch: str, vocab_size: int, dropout: float):
    from transformers import LlamaConfig, Qwen2Config, T5Config

    if arch == "t5":
        # T5 v1.1 shape in miniature: gated-GELU feed-forward, untied output embedding.
        return T5Config(
            vocab_size=vocab_size, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2,
            num_heads=4, feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=dropout,
            pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        )  # fmt: skip
    if arch == "llama":
        return LlamaConfig(
            vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
            tie_word_embeddings=False, pad_token_id=0, eos_token_id=1, bos_token_id=None,
            attention_dropout=dropout,
        )  # fmt: skip
    if arch == "qwen2":
        # Qwen2 is Llama's shape plus biases on the q, k, v projections.
        return Qwen2Config(
            vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
            tie_word_embeddings=False, pad_token_id=0, eos_token_id=1, bos_token_id=None,
            attention_dropout=dropout,
        )  # fmt: skip
    raise EngineError("unknown_architecture", f"--arch {arch!r}: tiny models exist for {', '.join(ARCHS)}")


MARKER = "quicklearn-tiny.json"


def check_out(out: Path, force: bool) -> None:
    """The output folder is replaced whole: refuse one that holds anything but an earlier tiny model."""
    if force or not out.exists():
        return
    if not out.is_dir():
        raise EngineError("bad_output", f"--out {out}: exists and is not a folder")
    if any(out.iterdir()) and not (out / MARKER).is_file():
        raise EngineError(
            "bad_output",
            f"--out {out}: the folder is not empty and holds no earlier tiny model ({MARKER}); it would be "
            "replaced whole. Give an empty or new folder, or --force to replace it",
        )


def make_tiny(
    arch: str,
    out: str,
    corpus: str | None = None,
    vocab_size: int = 4000,
    seed: int = 0,
    dropout: float = 0.0,
    force: bool = False,
    chat_template: bool = False,
) -> dict:
    """Dropout defaults to 0: a model this small memorises far more slowly with it.
    Tests pass dropout to check that resuming restores the RNG state."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    transformers.utils.logging.disable_progress_bar()

    if arch not in ARCHS:
        raise EngineError(
            "unknown_architecture", f"--arch {arch!r}: tiny models exist for {', '.join(ARCHS)}"
        )
    if chat_template and arch == "t5":
        raise EngineError(
            "bad_request", "--chat-template: chat templates are for causal LMs; use --arch llama or qwen2"
        )
    check_out(Path(out), force)
    tokenizer = train_tokenizer(
        corpus_texts(Path(corpus) if corpus else None), vocab_size, append_eos=arch == "t5"
    )
    if chat_template:
        # Appended after the trained vocabulary, so pad, eos and unk keep ids 0, 1, 2.
        tokenizer.add_special_tokens({"additional_special_tokens": CHAT_TOKENS})
        tokenizer.chat_template = CHATML_TEMPLATE
    config = make_config(arch, len(tokenizer), dropout)
    torch.manual_seed(seed)
    auto = AutoModelForSeq2SeqLM if arch == "t5" else AutoModelForCausalLM
    model = auto.from_config(config)
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        # Older loaders look for this file; transformers 5 keeps the same facts in tokenizer_config.json.
        special = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}
        if chat_template:
            special["additional_special_tokens"] = CHAT_TOKENS
        (tmp / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
        # Marks the folder as ours, so that making a tiny model again may replace it (check_out).
        marker = {"arch": arch, "seed": seed, "vocab_size": vocab_size}
        if chat_template:  # only then: a model made again without it keeps its bytes, so its run ids
            marker["chat_template"] = True
        (tmp / MARKER).write_text(json.dumps(marker) + "\n")
    return {
        "out": str(Path(out).resolve()),
        "arch": arch,
        "vocab_size": len(tokenizer),
        "parameters": model.num_parameters(),
        "chat_template": chat_template,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m quicklearn_engine.tiny", description=__doc__.split("\n")[0])
    p.add_argument("--arch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--corpus")
    p.add_argument("--vocab-size", type=int, default=4000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--force", action="store_true", help="replace --out even if it is not a tiny model")
    p.add_argument("--chat-template", action="store_true", help="give the tokenizer a ChatML template")
    args = p.parse_args(argv)
    try:
        result = make_tiny(
            args.arch, args.out, args.corpus, args.vocab_size, args.seed, args.dropout, args.force,
            args.chat_template,
        )  # fmt: skip
    except EngineError as e:
        print(json.dumps({"error": {"code": e.code, "message": e.message}}))
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
