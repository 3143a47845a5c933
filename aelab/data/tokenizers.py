"""Tokenizers and the vocabulary that maps their tokens to ids.

A tokenizer splits a sentence into tokens and joins tokens back into text; a
:class:`Vocabulary` is built from the training split's tokens and saved with the run, so
that a checkpoint decodes the same way later.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(4)


class CharTokenizer:
    """Every character is a token, spaces included."""

    name = "char"
    separator = ""

    def tokenize(self, text: str) -> list[str]:
        return list(text)

    def join(self, tokens: Sequence[str]) -> str:
        return "".join(tokens)


class WordTokenizer:
    """Tokens are the words between spaces (the corpus is tokenized with spaces already)."""

    name = "word"
    separator = " "

    def tokenize(self, text: str) -> list[str]:
        return text.split()

    def join(self, tokens: Sequence[str]) -> str:
        return " ".join(tokens)


TOKENIZERS: dict[str, type[CharTokenizer] | type[WordTokenizer]] = {
    "char": CharTokenizer,
    "word": WordTokenizer,
}


def build_tokenizer(name: str) -> CharTokenizer | WordTokenizer:
    """Returns the tokenizer called ``name`` (``"char"`` or ``"word"``)."""
    if name not in TOKENIZERS:
        raise ValueError(f"data.tokenizer={name!r} is not one of {sorted(TOKENIZERS)}")
    return TOKENIZERS[name]()


class Vocabulary:
    """Token <-> id, with ``<pad>`` = 0, ``<unk>`` = 1, ``<bos>`` = 2 and ``<eos>`` = 3.

    Args:
        tokens: the ordinary tokens, most frequent first; the specials come before them.
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        self.itos = [*SPECIALS, *(t for t in tokens if t not in SPECIALS)]
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(
        cls, sentences: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None
    ) -> Vocabulary:
        """Counts tokens and keeps those seen at least ``min_freq`` times.

        Args:
            sentences: tokenized sentences (the training split only).
            min_freq: the fewest occurrences a token needs to get an id.
            max_size: most ordinary tokens kept (the most frequent; ties by first sight);
                ``None`` keeps every token that passes ``min_freq``.

        Raises:
            ValueError: when no token passes, so that every id would be ``<unk>``.
        """
        counts = Counter(token for sentence in sentences for token in sentence)
        kept = [t for t, n in counts.most_common() if n >= min_freq]
        if max_size is not None:
            kept = kept[:max_size]
        if not kept:
            raise ValueError(
                f"the vocabulary is empty: none of the {len(counts)} distinct training tokens "
                f"occurs at least data.min_freq={min_freq} times (data.max_size={max_size}); "
                f"lower data.min_freq, raise data.max_size, or give more training text"
            )
        return cls(kept)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.stoi.get(t, UNK_ID) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of ``ids`` up to the first ``<eos>``, without padding or ``<bos>``."""
        tokens = []
        for i in ids:
            if i == EOS_ID:
                break
            if i in (PAD_ID, BOS_ID):
                continue
            tokens.append(self.itos[i] if 0 <= i < len(self.itos) else UNK)
        return tokens

    def state_dict(self) -> dict[str, Any]:
        return {"itos": list(self.itos)}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> Vocabulary:
        itos = list(state["itos"])
        if tuple(itos[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(
                f"a saved vocabulary must start with {SPECIALS}, this one starts with "
                f"{itos[: len(SPECIALS)]}; it was not written by aelab"
            )
        return cls(itos[len(SPECIALS) :])
