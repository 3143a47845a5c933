"""Short real-data runs on speech and text: the metrics improve and the views are logged."""

import pytest
import torch
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from aelab.evaluate import evaluate
from aelab.train import train
from tests.conftest import require_data

SHORT = (
    "trainer.max_epochs=1",
    "+trainer.limit_val_batches=1",
    "+callbacks.reconstructions.num_items=2",
)


def event_tags(run):
    """The tags of every event file of the run, by kind (fitting and testing write one each)."""
    tags: dict[str, set] = {"audio": set(), "images": set(), "tensors": set()}
    for path in (run / "tensorboard").glob("events.out.tfevents.*"):
        events = EventAccumulator(str(path))
        events.Reload()
        for kind, names in tags.items():
            names.update(events.Tags()[kind])
    return tags


@pytest.mark.slow
def test_short_fsdd_run_learns_and_logs_sound(compose_train, tmp_path):
    require_data("FSDD", "recordings")
    cfg = compose_train("experiment=fsdd_conv", "+trainer.limit_train_batches=40", *SHORT)
    metrics = train(cfg)
    # an untrained model's output is close to silence: an SNR near 0 dB
    assert metrics["test/snr_db"] > 1.5
    assert {"test/si_snr_db", "test/mse"} <= set(metrics)
    tags = event_tags(tmp_path / "run")
    assert {"val/audio/00_original", "val/audio/01_reconstruction"} <= tags["audio"]
    assert "val/spectrograms" in tags["images"]


@pytest.mark.slow
def test_short_sentences_run_learns_logs_text_and_decodes_the_same_later(
    compose_train, tmp_path, data_dir
):
    require_data("sentence_polarity", "rt-polarity.pos")
    cfg = compose_train("experiment=sentences_conv", "+trainer.limit_train_batches=40", *SHORT)
    metrics = train(cfg)
    # the most frequent character at every position scores about 0.17
    assert metrics["test/token_acc"] > 0.25
    run = tmp_path / "run"
    assert "val/reconstructions/text_summary" in event_tags(run)["tensors"]
    assert (run / "vocabulary.json").is_file()

    ckpt = run / "checkpoints" / "best.ckpt"
    assert "SentencesDataModule" in torch.load(ckpt, weights_only=True)
    again = evaluate(
        OmegaConf.create(
            {"ckpt_path": str(ckpt), "data_dir": str(data_dir), "output_dir": str(tmp_path / "e")}
        )
    )
    assert again["test/token_acc"] == pytest.approx(metrics["test/token_acc"])
