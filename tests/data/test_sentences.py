"""Sentences: the real corpus, the split, the vocabulary round trip, and bad text."""

import json

import pytest
import torch

from aelab.data import SentencesDataModule, Vocabulary
from aelab.data.sentences import cut_at_word_boundary
from aelab.data.tokenizers import EOS_ID, PAD_ID, UNK_ID
from tests.conftest import DATA_DIR, require_data


@pytest.fixture(scope="module")
def polarity():
    require_data("sentence_polarity", "rt-polarity.pos")
    dm = SentencesDataModule(data_dir=DATA_DIR, seed=5)
    dm.setup("fit")
    return dm


def write_corpus(tmp_path, lines, name="corpus.txt"):
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return name


def test_real_corpus_cut_at_word_boundaries_and_split_80_10_10(polarity):
    sizes = [len(s[0]) for s in (polarity.train, polarity.val, polarity.test)]
    assert sum(sizes) == 10662 and sizes == [8530, 1066, 1066]
    assert polarity.spec.shape == (64,) and polarity.spec.kind == "tokens"
    assert 60 < polarity.spec.vocab_size < 120
    x, labels = polarity.train
    assert x.dtype == torch.long and set(labels.tolist()) == {0, 1}
    # every row: tokens, one <eos>, then padding
    assert ((x == EOS_ID).sum(dim=1) == 1).all()
    texts = polarity.decode_tokens(polarity.test[0])
    assert max(len(t) for t in texts) <= 63
    originals = set()
    for name in ("rt-polarity.pos", "rt-polarity.neg"):
        originals |= {line.strip() for line in (DATA_DIR / "sentence_polarity" / name).open()}
    # a cut sentence ends where a word of its original ends
    cut = [t for t in texts if t not in originals]
    assert cut and all(any(o.startswith(t + " ") for o in originals) for t in cut[:20])


def test_the_split_is_seeded(polarity):
    again = SentencesDataModule(data_dir=DATA_DIR, seed=5)
    again.setup("fit")
    assert torch.equal(polarity.test[0], again.test[0])
    other = SentencesDataModule(data_dir=DATA_DIR, seed=6)
    other.setup("fit")
    assert not torch.equal(polarity.test[0], other.test[0])


def test_cutting_at_word_boundaries():
    tokens = list("the cat sat")
    assert "".join(cut_at_word_boundary(tokens, 9, "")) == "the cat"
    assert "".join(cut_at_word_boundary(tokens, 7, "")) == "the cat"
    assert "".join(cut_at_word_boundary(list("unbreakable"), 4, "")) == "unbr"
    assert cut_at_word_boundary(["a", "b", "c"], 2, " ") == ["a", "b"]


def test_long_sentences_are_dropped_when_configured(tmp_path):
    name = write_corpus(tmp_path, [f"short {i}" for i in range(18)] + ["a much longer line"] * 2)
    dm = SentencesDataModule(data_dir=tmp_path, files=[name], max_length=10, long_sentences="drop")
    dm.setup("fit")
    assert sum(len(s[0]) for s in (dm.train, dm.val, dm.test)) == 18


def test_word_tokens_and_the_vocabulary_comes_from_training_only(tmp_path):
    lines = [f"common words {i % 3}" for i in range(30)]
    dm = SentencesDataModule(
        data_dir=tmp_path,
        files=[write_corpus(tmp_path, lines)],
        tokenizer="word",
        max_length=6,
        min_freq=2,
    )
    dm.setup("fit")
    train_words = {w for t in dm.decode_tokens(dm.train[0]) for w in t.split()}
    assert set(dm.vocabulary.itos[4:]) <= train_words
    assert dm.decode_tokens(dm.train[0][:1])[0].startswith("common words")


def test_min_freq_and_max_size_limit_the_vocabulary():
    sentences = [list("aaab"), list("aac")]
    assert Vocabulary.build(sentences, min_freq=2).itos[4:] == ["a"]
    assert Vocabulary.build(sentences, max_size=2).itos[4:] == ["a", "b"]
    vocab = Vocabulary.build(sentences)
    assert vocab.encode(list("az")) == [4, UNK_ID]
    assert vocab.decode([4, 5, EOS_ID, 4, PAD_ID]) == ["a", "b"]


def test_the_vocabulary_round_trips_through_state_dict_and_file(tmp_path):
    name = write_corpus(tmp_path, [f"line number {i}" for i in range(20)])
    vocab_file = tmp_path / "run" / "vocabulary.json"
    dm = SentencesDataModule(data_dir=tmp_path, files=[name], vocab_file=vocab_file)
    dm.setup("fit")
    state = dm.state_dict()
    assert json.loads(vocab_file.read_text()) == state and state["tokenizer"] == "char"

    # another corpus makes another vocabulary, until the saved one is loaded
    other = write_corpus(tmp_path, [f"zzz {i} qq" for i in range(20)], name="other.txt")
    restored = SentencesDataModule(data_dir=tmp_path, files=[other])
    restored.setup("fit")
    assert restored.vocabulary.itos != dm.vocabulary.itos
    restored.load_state_dict(state)
    assert restored.vocabulary.itos == dm.vocabulary.itos
    assert restored.decode_tokens(restored.encode([list("line")])) == ["line"]
    # an existing vocabulary file is read, not rebuilt
    reread = SentencesDataModule(data_dir=tmp_path, files=[other], vocab_file=vocab_file)
    reread.setup("fit")
    assert reread.vocabulary.itos == dm.vocabulary.itos


def test_text_that_is_not_utf8_names_file_and_line(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("fine\nstill fine\ncaf\xe9 cr\xe8me\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.txt, line 3, is not valid UTF-8.*iconv"):
        SentencesDataModule(data_dir=tmp_path, files=["latin1.txt"]).setup("fit")


def test_missing_file_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"rt-polarity\.pos does not exist.*AELAB_DATA"):
        SentencesDataModule(data_dir=tmp_path).setup("fit")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ValueError, match=r"no sentences in .*empty\.txt"):
        SentencesDataModule(data_dir=tmp_path, files=["empty.txt"]).setup("fit")


def test_a_vocabulary_that_ends_up_empty(tmp_path):
    name = write_corpus(tmp_path, [f"w{i}" for i in range(20)])
    dm = SentencesDataModule(data_dir=tmp_path, files=[name], tokenizer="word", min_freq=2)
    with pytest.raises(ValueError, match=r"vocabulary is empty.*data\.min_freq=2.*lower"):
        dm.setup("fit")


def test_bad_settings_name_the_key():
    with pytest.raises(ValueError, match=r"data\.tokenizer='bpe' is not one of"):
        SentencesDataModule(tokenizer="bpe")
    with pytest.raises(ValueError, match=r"data\.long_sentences='wrap' is not one of"):
        SentencesDataModule(long_sentences="wrap")
    with pytest.raises(ValueError, match=r"data\.max_length=1 leaves no room"):
        SentencesDataModule(max_length=1)
