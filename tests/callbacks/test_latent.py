"""The code-space callbacks: projector, samples and interpolations, on short MNIST runs."""

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from aelab.callbacks import CodeProjector, LatentSamplesLogger
from aelab.data import MNISTDataModule
from aelab.train import train
from tests.conftest import require_data

SHORT = (
    "callbacks=latent",
    "trainer.max_epochs=1",
    "+trainer.limit_train_batches=5",
    "+trainer.limit_val_batches=2",
    "+trainer.limit_test_batches=2",
    "+callbacks.projector.num_items=300",
    "+callbacks.latent.num_samples=16",
    "+callbacks.latent.num_pairs=2",
    "+callbacks.latent.steps=5",
)


def images(run):
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    return {tag: events.Images(tag)[-1] for tag in events.Tags()["images"]}


@pytest.mark.parametrize("model", ["vae", "vq"])
def test_generative_variants_log_samples_interpolations_and_codes(model, compose_train, tmp_path):
    train(compose_train(f"model={model}", *SHORT))
    run = tmp_path / "run"
    shown = images(run)
    assert {"val/samples", "val/interpolations", "val/reconstructions"} <= set(shown)
    # 16 samples, 8 a row, of 28 + 2 padding pixels: 2 rows; 2 interpolations of 5 steps
    assert (shown["val/samples"].height, shown["val/samples"].width) == (62, 242)
    assert (shown["val/interpolations"].height, shown["val/interpolations"].width) == (62, 152)

    projected = next((run / "tensorboard").glob("*/codes"))
    labels = (projected / "metadata.tsv").read_text().split()
    assert len(labels) == 300 and set(labels) <= {str(d) for d in range(10)}
    assert len((projected / "tensors.tsv").read_text().splitlines()) == 300
    assert (projected / "sprite.png").is_file()


def test_a_model_that_cannot_sample_gets_codes_but_no_samples(compose_train, tmp_path):
    train(compose_train("model=dense", *SHORT))
    run = tmp_path / "run"
    assert "val/samples" not in images(run)
    assert list((run / "tensorboard").glob("*/codes/metadata.tsv"))


def test_projector_metadata_columns(data_dir):
    dm = MNISTDataModule(data_dir=data_dir)
    labels = torch.tensor([3, 1, 4])
    header, rows = CodeProjector.metadata(dm, (torch.zeros(3, 1, 28, 28), labels), 3)
    assert header == ["label"] and rows == ["3", "1", "4"]


@pytest.mark.parametrize(
    "kwargs",
    [{"num_samples": 0}, {"steps": 1}, {"every_n_epochs": 0}],
    ids=["samples", "steps", "epochs"],
)
def test_latent_logger_settings(kwargs):
    with pytest.raises(ValueError, match=r"callbacks\.latent: .* at least"):
        LatentSamplesLogger(**kwargs)


def test_samples_of_sentences_are_text_and_their_codes_carry_the_text(compose_train, tmp_path):
    require_data("sentence_polarity", "rt-polarity.pos")
    train(compose_train("model=vae", "data=sentences", *SHORT))
    run = tmp_path / "run"
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    texts = {tag.removesuffix("/text_summary") for tag in events.Tags()["tensors"]}
    assert {"val/samples", "val/interpolations"} <= texts
    projected = next((run / "tensorboard").glob("*/codes"))
    header, *rows = (projected / "metadata.tsv").read_text().splitlines()
    assert header.split("\t") == ["label", "text"] and len(rows) == 300
    assert {row.split("\t")[0] for row in rows} <= {"0", "1"}


def test_samples_of_speech_are_audio_and_their_codes_name_the_speaker(compose_train, tmp_path):
    require_data("FSDD", "recordings")
    train(compose_train("model=vae", "data=fsdd", *SHORT))
    run = tmp_path / "run"
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"audio": 0})
    events.Reload()
    assert {"val/samples/0", "val/interpolations/0"} <= set(events.Tags()["audio"])
    projected = next((run / "tensorboard").glob("*/codes"))
    header, *rows = (projected / "metadata.tsv").read_text().splitlines()
    assert header.split("\t") == ["label", "speaker"]
    assert {row.split("\t")[1] for row in rows} <= {
        "george",
        "jackson",
        "lucas",
        "nicolas",
        "theo",
        "yweweler",
    }
