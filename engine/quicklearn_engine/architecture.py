"""What differs between the two kinds of model the engine runs, one class per kind, chosen once when the model
is loaded (models.py) and asked by data, training and generation instead of an is-seq2seq flag.

- Seq2SeqLM (T5): the encoder reads the source, the decoder predicts the target; prompts pad on the right.
- CausalLM (Llama, Qwen, GPT-2): one sequence, source then target, the loss on the target's positions only;
  eos (or the chat template's end of turn) closes the answer; prompts pad on the left, since generation
  continues the prompt's last token.

Named "architecture" rather than "adapter": under LoRA an adapter is the trained low-rank weights.
"""

import torch
import torch.nn.functional as F

from .chat import ChatTemplate, chat_template
from .errors import EngineError
from .tokens import Example, truncated_ids

IGNORE = -100  # label of a position without loss (cross_entropy's ignore_index)


def _padded(seqs: list[list[int]], value: int, device: torch.device) -> torch.Tensor:
    """Right-padded to the longest."""
    width = max(len(s) for s in seqs)
    return torch.tensor([s + [value] * (width - len(s)) for s in seqs], dtype=torch.long, device=device)


def _cross_entropy_sum(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(
        logits.flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE, reduction="sum"
    )


class Seq2SeqLM:
    name = "seq2seq"  # stats.json's `architecture`
    title = "seq2seq"

    def auto_class(self):
        from transformers import AutoModelForSeq2SeqLM

        return AutoModelForSeq2SeqLM

    def model_class(self, config):
        from transformers.models.auto import modeling_auto

        return modeling_auto.MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING[type(config)]

    def lora_task_type(self):
        from peft import TaskType

        return TaskType.SEQ_2_SEQ_LM

    def chat_template(self, tokenizer, model: str) -> ChatTemplate:
        raise EngineError(
            "bad_spec",
            f"template 'chat': {model!r} is a seq2seq (encoder-decoder) model; chat templates are for causal "
            "LMs (Qwen, Llama, SmolLM, ...): use template 'none' for it",
        )

    # ------------------------------------------------------------------------------------------ data

    def target_ids(self, tokenizer, targets: list[str], max_len: int) -> list[tuple[list[int], bool]]:
        """(ids, truncated) of plain targets: tokenized as the tokenizer does, eos included."""
        return truncated_ids(tokenizer, targets, max_len, True)

    # ------------------------------------------------------------------------------------------ training

    def padded_cost(self, batch: list[Example]) -> int:
        return len(batch) * (max(len(e.source_ids) for e in batch) + max(len(e.target_ids) for e in batch))

    def predicted_tokens(self, ex: Example) -> int:
        return len(ex.target_ids)

    def collate(self, batch: list[Example], pad_id: int, device: torch.device) -> dict:
        src = [e.source_ids for e in batch]
        return {
            "input_ids": _padded(src, pad_id, device),
            "attention_mask": _padded([[1] * len(s) for s in src], 0, device),
            "labels": _padded([e.target_ids for e in batch], IGNORE, device),
        }

    def loss_sum(self, model, base, batch: dict) -> torch.Tensor:
        """Summed cross-entropy over the batch's target tokens (`base`: the unwrapped model, which knows how
        its decoder inputs follow from the labels)."""
        labels = batch["labels"]
        decoder_input_ids = base.prepare_decoder_input_ids_from_labels(labels=labels)
        logits = model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            decoder_input_ids=decoder_input_ids,
        ).logits
        return _cross_entropy_sum(logits, labels)

    # ------------------------------------------------------------------------------------------ generation

    def prompt_batch(self, batch: list[Example], pad_id: int, device: torch.device) -> dict:
        width = max(len(e.source_ids) for e in batch)
        ids = [e.source_ids + [pad_id] * (width - len(e.source_ids)) for e in batch]
        mask = [[1] * len(e.source_ids) + [0] * (width - len(e.source_ids)) for e in batch]
        return {
            "input_ids": torch.tensor(ids, dtype=torch.long, device=device),
            "attention_mask": torch.tensor(mask, dtype=torch.long, device=device),
        }

    def generated(self, out: torch.Tensor, prompt_width: int) -> torch.Tensor:
        """The new tokens of model.generate's output (the decoder's output is all new)."""
        return out


class CausalLM:
    name = "causal"
    title = "causal LM"

    def auto_class(self):
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM

    def model_class(self, config):
        from transformers.models.auto import modeling_auto

        return modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING[type(config)]

    def lora_task_type(self):
        from peft import TaskType

        return TaskType.CAUSAL_LM

    def chat_template(self, tokenizer, model: str) -> ChatTemplate:
        return chat_template(tokenizer, model)

    # ------------------------------------------------------------------------------------------ data

    def target_ids(self, tokenizer, targets: list[str], max_len: int) -> list[tuple[list[int], bool]]:
        """(ids, truncated) of plain targets: their tokens follow the prompt, then eos closes the answer."""
        eos = tokenizer.eos_token_id
        raw = tokenizer(targets, add_special_tokens=False)["input_ids"]
        return [
            (ids + [eos], False) if len(ids) < max_len else (ids[: max_len - 1] + [eos], True) for ids in raw
        ]

    # ------------------------------------------------------------------------------------------ training

    def padded_cost(self, batch: list[Example]) -> int:
        return len(batch) * max(e.length for e in batch)

    def predicted_tokens(self, ex: Example) -> int:
        # Token t is predicted from the tokens before it: with an empty prompt the first target token is free.
        return len(ex.target_ids) - (0 if ex.source_ids else 1)

    def collate(self, batch: list[Example], pad_id: int, device: torch.device) -> dict:
        seqs = [e.source_ids + e.target_ids for e in batch]
        return {
            "input_ids": _padded(seqs, pad_id, device),
            "attention_mask": _padded([[1] * len(s) for s in seqs], 0, device),
            "labels": _padded([[IGNORE] * len(e.source_ids) + e.target_ids for e in batch], IGNORE, device),
        }

    def loss_sum(self, model, base, batch: dict) -> torch.Tensor:
        """Summed cross-entropy over the batch's target tokens: position t's logits predict token t + 1."""
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
        return _cross_entropy_sum(logits, batch["labels"][:, 1:])

    # ------------------------------------------------------------------------------------------ generation

    def prompt_batch(self, batch: list[Example], pad_id: int, device: torch.device) -> dict:
        width = max(len(e.source_ids) for e in batch)
        ids = [[pad_id] * (width - len(e.source_ids)) + e.source_ids for e in batch]
        mask = [[0] * (width - len(e.source_ids)) + [1] * len(e.source_ids) for e in batch]
        return {
            "input_ids": torch.tensor(ids, dtype=torch.long, device=device),
            "attention_mask": torch.tensor(mask, dtype=torch.long, device=device),
        }

    def generated(self, out: torch.Tensor, prompt_width: int) -> torch.Tensor:
        """The new tokens of model.generate's output: the prompt cut off."""
        return out[:, prompt_width:]


Architecture = Seq2SeqLM | CausalLM
SEQ2SEQ = Seq2SeqLM()
CAUSAL = CausalLM()
