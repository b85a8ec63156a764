"""Spec `template: chat`: a row's source is the user message, its target the assistant message, both rendered
with the tokenizer's own chat template (transformers' apply_chat_template), as instruct models are tuned.

- The prompt is the user turn plus the generation prompt (the opening of the assistant's turn): generation
  starts from it, and training masks it, so the loss falls on the assistant's tokens alone.
- The answer ends with the template's end-of-turn token (ChatML's <|im_end|>): trained on, and a stop token of
  generation beside eos, so predictions never carry template tokens.
"""

from dataclasses import dataclass

from .errors import EngineError

# Stands for a message's content while finding what the template puts around it; plain words, so no template
# escapes or trims it.
SENTINEL = "quicklearn sentinel content 7f3a"


def user_turn(source: str) -> list[dict]:
    return [{"role": "user", "content": source}]


def conversation(source: str, target: str) -> list[dict]:
    return user_turn(source) + [{"role": "assistant", "content": target}]


@dataclass
class ChatTemplate:
    tokenizer: object
    model: str  # named in messages
    # Tokens the rendered prompt ends with after the user's content (ChatML: <|im_end|> then the assistant's
    # opening): a prompt over max_source_length loses content, never these, so generation still answers.
    tail_ids: list[int]
    end_of_turn: int

    # ------------------------------------------------------------------------------------------- rendering

    def _render(self, conversations: list[list[dict]], add_generation_prompt: bool) -> list[str]:
        try:
            return self.tokenizer.apply_chat_template(
                conversations, tokenize=False, add_generation_prompt=add_generation_prompt
            )
        except Exception as e:  # jinja2's TemplateError, or a template's own raise_exception
            raise EngineError(
                "bad_spec",
                f"template 'chat': the chat template of {self.model!r} fails to render a user/assistant "
                f"conversation: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
            ) from None

    def prompts(self, sources: list[str]) -> list[str]:
        """apply_chat_template(..., add_generation_prompt=True) of each source as the user turn."""
        return self._render([user_turn(s) for s in sources], add_generation_prompt=True)

    def _ids(self, texts: list[str]) -> list[list[int]]:
        # The template writes every special token itself (bos included, where it has one).
        return self.tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []

    def prompt_length(self, source: str) -> int:
        return len(self._ids(self.prompts([source]))[0])

    @property
    def stop_ids(self) -> list[int]:
        return list(dict.fromkeys([self.end_of_turn, self.tokenizer.eos_token_id]))

    # ------------------------------------------------------------------------------------------- encoding

    def encode(
        self, sources: list[str], targets: list[str] | None, max_source: int, max_target: int
    ) -> tuple[list[tuple[list[int], bool]], list[tuple[list[int], bool]]]:
        """(prompt ids, truncated) and (answer ids, truncated) per row; answers empty without targets."""
        prompt_texts = self.prompts(sources)
        prompt_ids = self._ids(prompt_texts)
        keep = max(0, max_source - len(self.tail_ids))
        prompts = [
            (ids, False) if len(ids) <= max_source else (ids[:keep] + self.tail_ids, True)
            for ids in prompt_ids
        ]
        if targets is None:
            return prompts, [([], False)] * len(sources)
        full_texts = self._render(
            [conversation(s, t) for s, t in zip(sources, targets, strict=True)], add_generation_prompt=False
        )
        answers = []
        for p_text, p_ids, f_text, f_ids in zip(
            prompt_texts, prompt_ids, full_texts, self._ids(full_texts), strict=True
        ):
            answer = self._answer_ids(p_text, p_ids, f_text, f_ids)
            if len(answer) <= max_target:
                answers.append((answer, False))
            else:
                answers.append((answer[: max_target - 1] + [self.end_of_turn], True))
        return prompts, answers

    def _answer_ids(self, p_text: str, p_ids: list[int], f_text: str, f_ids: list[int]) -> list[int]:
        """The assistant's tokens: the conversation's tokens after the prompt's, up to the end of the turn."""
        if f_ids[: len(p_ids)] == p_ids:
            answer = f_ids[len(p_ids) :]
        elif f_text.startswith(p_text):
            # The tokenizer merged across the prompt's end: tokenize the rest alone, as generation will see it
            # (it continues the prompt's own tokens).
            answer = self._ids([f_text[len(p_text) :]])[0]
        else:
            raise EngineError(
                "bad_spec",
                f"template 'chat': the chat template of {self.model!r} renders the user turn differently "
                "once an assistant answer follows it, so the answer cannot be told from the prompt; use "
                "template 'none' or another model",
            )
        if self.end_of_turn in answer:
            # What the template writes after the end of the turn (ChatML's newline) is not the answer.
            answer = answer[: answer.index(self.end_of_turn) + 1]
        return answer


def chat_template(tokenizer, model: str) -> ChatTemplate:
    """A causal LM's chat template, ready to encode; a bad_spec error where its tokenizer has none (a seq2seq
    model is refused before: architecture.py)."""
    if not getattr(tokenizer, "chat_template", None):
        raise EngineError(
            "bad_spec",
            f"template 'chat': the tokenizer of {model!r} has no chat template (no chat_template.jinja, nor "
            "chat_template in tokenizer_config.json); use template 'none', or the model's instruct version",
        )
    chat = ChatTemplate(tokenizer, model, tail_ids=[], end_of_turn=tokenizer.eos_token_id)
    prompt = chat.prompts([SENTINEL])[0]
    if SENTINEL in prompt:
        chat.tail_ids = chat._ids([prompt[prompt.index(SENTINEL) + len(SENTINEL) :]])[0]
    full = chat._render([conversation("u", SENTINEL)], add_generation_prompt=False)[0]
    if SENTINEL in full:
        after = chat._ids([full[full.index(SENTINEL) + len(SENTINEL) :]])[0]
        # The first token after the answer closes the turn when it is a special one (<|im_end|>, <|eot_id|>,
        # <end_of_turn>); a template that writes plain text there ends answers with eos.
        if after and after[0] in tokenizer.all_special_ids:
            chat.end_of_turn = after[0]
    return chat
