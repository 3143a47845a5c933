"""Sentences from plain-text files, one per line, as padded sequences of token ids."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor

from aelab.data.base import DATA_DIR_ENV, DataSpec, InMemoryDataModule, resolve_data_dir
from aelab.data.tokenizers import EOS_ID, PAD_ID, Vocabulary, build_tokenizer

log = logging.getLogger(__name__)

POLARITY_FILES = ("sentence_polarity/rt-polarity.pos", "sentence_polarity/rt-polarity.neg")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)


def read_lines(path: Path) -> list[str]:
    """The non-empty lines of a UTF-8 file, stripped.

    Raises:
        FileNotFoundError: when ``path`` is not a file.
        ValueError: at the first line that is not valid UTF-8, naming file and line.
    """
    if not path.is_file():
        raise FileNotFoundError(
            f"sentence file {path} does not exist; point the data folder at a copy that holds "
            f"it (set {DATA_DIR_ENV} or data.data_dir=...), or list other files in data.files"
        )
    lines = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{path}, line {number}, is not valid UTF-8 ({error.reason} at byte "
                f"{error.start}); convert the file to UTF-8, e.g. with iconv"
            ) from error
        if line:
            lines.append(line)
    return lines


def cut_at_word_boundary(tokens: list[str], limit: int, separator: str) -> list[str]:
    """The longest prefix of ``tokens`` of at most ``limit`` that ends at a word's end.

    For words every token is a word; for characters the cut falls on the last space within
    the limit (a single word longer than the limit is cut inside it).
    """
    if len(tokens) <= limit:
        return tokens
    if separator or tokens[limit] == " ":
        return tokens[:limit]
    head = tokens[:limit]
    spaces = [i for i, t in enumerate(head) if t == " "]
    return head[: spaces[-1]] if spaces else head


class SentencesDataModule(InMemoryDataModule):
    """Sentences as ``(max_length,)`` token ids: the tokens, ``<eos>``, then ``<pad>`` (0).

    By default the Sentence Polarity corpus (Pang and Lee, 2005), both files together:
    10,662 lower-cased movie-review snippets. Sentences longer than ``max_length - 1``
    tokens are cut at a word boundary (``long_sentences="cut"``) or left out (``"drop"``);
    the count is logged. The split into training, validation and test (80/10/10) is seeded.

    The vocabulary is built from the training split only. It goes into every checkpoint
    through :meth:`state_dict` and, when ``vocab_file`` is set, into that file; an
    existing ``vocab_file`` is read instead of building a new one, so a resumed run keeps
    its ids. Labels are the index of the file a sentence came from (for the corpus:
    0 positive, 1 negative).

    Args:
        data_dir: folder the ``files`` are relative to; defaults to ``$AELAB_DATA_DIR``,
            then ``./data``.
        files: text files, one sentence per line, UTF-8.
        tokenizer: ``"char"`` or ``"word"``.
        max_length: tokens per item, ``<eos>`` included.
        long_sentences: ``"cut"`` or ``"drop"`` sentences that do not fit.
        min_freq: fewest training occurrences a token needs to get an id.
        max_size: most ordinary tokens in the vocabulary; ``None`` for no limit.
        vocab_file: JSON file the vocabulary is written to (or read from, when it exists).
        **kwargs: batching arguments of :class:`InMemoryDataModule`.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike | None = None,
        files: Sequence[str] = POLARITY_FILES,
        tokenizer: Literal["char", "word"] = "char",
        max_length: int = 64,
        long_sentences: Literal["cut", "drop"] = "cut",
        min_freq: int = 1,
        max_size: int | None = None,
        vocab_file: str | os.PathLike | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if max_length < 2:
            raise ValueError(
                f"data.max_length={max_length} leaves no room for a token and <eos>; use at "
                f"least 2"
            )
        if long_sentences not in ("cut", "drop"):
            raise ValueError(f"data.long_sentences={long_sentences!r} is not one of 'cut', 'drop'")
        if not files:
            raise ValueError("data.files is empty; list at least one text file")
        self.data_dir = resolve_data_dir(data_dir)
        self.files = tuple(files)
        self.tokenizer = build_tokenizer(tokenizer)
        self.max_length = max_length
        self.long_sentences = long_sentences
        self.min_freq = min_freq
        self.max_size = max_size
        self.vocab_file = Path(vocab_file) if vocab_file else None
        self.vocabulary: Vocabulary | None = None
        self._tokens: dict[str, list[list[str]]] = {}
        self._labels: dict[str, Tensor] = {}

    @property
    def spec(self) -> DataSpec:
        if self.vocabulary is None:
            raise RuntimeError("the vocabulary is built in setup(); call setup() first")
        return DataSpec(shape=(self.max_length,), kind="tokens", vocab_size=len(self.vocabulary))

    def prepare_data(self) -> None:
        for name in self.files:
            path = self.data_dir / name
            if not path.is_file():
                raise FileNotFoundError(
                    f"sentence file {path} does not exist; point the data folder at a copy "
                    f"that holds it (set {DATA_DIR_ENV} or data.data_dir=...), or list other "
                    f"files in data.files"
                )

    def load(self) -> None:
        sentences, labels = [], []
        for label, name in enumerate(self.files):
            lines = read_lines(self.data_dir / name)
            sentences += [self.tokenizer.tokenize(line) for line in lines]
            labels += [label] * len(lines)
        if not sentences:
            raise ValueError(f"no sentences in {[str(self.data_dir / f) for f in self.files]}")

        limit = self.max_length - 1
        long = sum(len(s) > limit for s in sentences)
        if self.long_sentences == "drop":
            kept = [i for i, s in enumerate(sentences) if len(s) <= limit]
            sentences, labels = [sentences[i] for i in kept], [labels[i] for i in kept]
        else:
            sentences = [
                cut_at_word_boundary(s, limit, self.tokenizer.separator) for s in sentences
            ]
        log.info(
            "%d of %d sentences longer than %d tokens were %s",
            long,
            len(labels) + (long if self.long_sentences == "drop" else 0),
            limit,
            "dropped" if self.long_sentences == "drop" else "cut at a word boundary",
        )

        order = torch.randperm(len(sentences), generator=torch.Generator().manual_seed(self.seed))
        n_train = round(SPLIT_FRACTIONS[0] * len(order))
        n_val = round(SPLIT_FRACTIONS[1] * len(order))
        bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val)}
        bounds["test"] = (n_train + n_val, len(order))
        all_labels = torch.tensor(labels)
        for split, (start, stop) in bounds.items():
            idx = order[start:stop]
            self._tokens[split] = [sentences[i] for i in idx.tolist()]
            self._labels[split] = all_labels[idx]
        if min(len(t) for t in self._tokens.values()) == 0:
            raise ValueError(
                f"{len(sentences)} sentences are too few for an 80/10/10 split with an item "
                f"in every split; give at least 10 sentences"
            )

        if self.vocabulary is None and self.vocab_file is not None and self.vocab_file.is_file():
            self.vocabulary = Vocabulary.from_state_dict(json.loads(self.vocab_file.read_text()))
            log.info("vocabulary of %d read from %s", len(self.vocabulary), self.vocab_file)
        if self.vocabulary is None:
            self.vocabulary = Vocabulary.build(self._tokens["train"], self.min_freq, self.max_size)
            log.info("vocabulary of %d built from the training split", len(self.vocabulary))
        self._encode_splits()
        if self.vocab_file is not None and not self.vocab_file.is_file():
            self.vocab_file.parent.mkdir(parents=True, exist_ok=True)
            self.vocab_file.write_text(json.dumps(self.state_dict(), indent=1) + "\n")

    def encode(self, sentences: Sequence[Sequence[str]]) -> Tensor:
        """Token ids ``(N, max_length)`` of tokenized sentences, ``<eos>`` then padding."""
        assert self.vocabulary is not None
        ids = torch.full((len(sentences), self.max_length), PAD_ID, dtype=torch.long)
        for row, tokens in enumerate(sentences):
            encoded = [*self.vocabulary.encode(tokens[: self.max_length - 1]), EOS_ID]
            ids[row, : len(encoded)] = torch.tensor(encoded)
        return ids

    def decode_tokens(self, ids: Tensor) -> list[str]:
        """Text of each row of ``ids`` ``(N, L)``, up to its first ``<eos>``."""
        assert self.vocabulary is not None
        return [self.tokenizer.join(self.vocabulary.decode(row)) for row in ids.tolist()]

    def _encode_splits(self) -> None:
        for split in ("train", "val", "test"):
            setattr(self, split, (self.encode(self._tokens[split]), self._labels[split]))

    def state_dict(self) -> dict[str, Any]:
        if self.vocabulary is None:
            return {}
        return {"tokenizer": self.tokenizer.name, **self.vocabulary.state_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not state_dict:
            return
        if state_dict["tokenizer"] != self.tokenizer.name:
            raise ValueError(
                f"the saved vocabulary is of {state_dict['tokenizer']!r} tokens but "
                f"data.tokenizer={self.tokenizer.name!r}; use the run's own data config"
            )
        self.vocabulary = Vocabulary.from_state_dict(state_dict)
        if self._tokens:
            self._encode_splits()
