"""FSDD: real clips in memory, the split convention, the spectrogram, and bad files."""

import time

import numpy as np
import pytest
import soundfile as sf
import torch

from aelab.data import FSDDDataModule, SpectrogramTransform
from tests.conftest import DATA_DIR, require_data


@pytest.fixture(scope="module")
def fsdd():
    require_data("FSDD", "recordings")
    start = time.perf_counter()
    dm = FSDDDataModule(data_dir=DATA_DIR, seed=3)
    dm.setup("fit")
    dm.first_read_seconds = time.perf_counter() - start
    return dm


def write_clip(folder, name, samples, rate=8000):
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / name, samples, rate, subtype="PCM_16")


def fake_fsdd(tmp_path, takes=6):
    """Two speakers, two digits, ``takes`` takes of short sines: a tiny FSDD."""
    recordings = tmp_path / "FSDD" / "recordings"
    t = np.arange(2000) / 8000
    for digit in (0, 1):
        for speaker in ("ann", "bob"):
            for take in range(takes):
                wave = 0.3 * np.sin(2 * np.pi * (200 + 50 * take) * t)
                write_clip(recordings, f"{digit}_{speaker}_{take}.wav", wave)
    return recordings


def test_real_fsdd_in_memory_with_the_split_convention(fsdd):
    assert fsdd.first_read_seconds < 10
    assert fsdd.spec.shape == (1, 8000) and fsdd.spec.kind == "signed"
    assert fsdd.spec.sample_rate == 8000
    assert [len(s[0]) for s in (fsdd.train, fsdd.val, fsdd.test)] == [2430, 270, 300]
    x, digits, lengths, speakers = fsdd.train
    assert x.dtype == torch.float32 and x.abs().max() <= 1.0
    # peak-normalized: every clip reaches full scale
    assert torch.allclose(x.abs().amax(dim=(1, 2)), torch.ones(len(x)))
    assert set(digits.tolist()) == set(range(10)) and len(fsdd.speakers) == 6
    assert int(lengths.max()) == 8000 and int(lengths.min()) < 2000
    # the padding is silence
    i = int(lengths.argmin())
    assert x[i, 0, int(lengths[i]) :].abs().max() == 0
    assert len(set(speakers.tolist())) == 6


def test_the_validation_split_is_seeded(fsdd):
    again = FSDDDataModule(data_dir=DATA_DIR, seed=3)
    again.setup("fit")
    assert torch.equal(fsdd.val[0], again.val[0])
    other = FSDDDataModule(data_dir=DATA_DIR, seed=4)
    other.setup("fit")
    assert not torch.equal(fsdd.val[0], other.val[0])
    assert torch.equal(fsdd.test[0], other.test[0])


def test_held_out_speakers_form_the_test_set(tmp_path):
    fake_fsdd(tmp_path)
    dm = FSDDDataModule(data_dir=tmp_path, test_speakers=["bob"], val_size=2, length=2000)
    dm.setup("fit")
    bob = dm.speakers.index("bob")
    assert (dm.test[3] == bob).all() and len(dm.test[0]) == 12
    assert not (dm.train[3] == bob).any() and not (dm.val[3] == bob).any()


def test_longer_clips_are_cut_and_shorter_padded(tmp_path):
    fake_fsdd(tmp_path)
    dm = FSDDDataModule(data_dir=tmp_path, length=1000, val_size=2)
    dm.setup("fit")
    assert dm.train[0].shape[1:] == (1, 1000) and (dm.train[2] == 1000).all()
    dm = FSDDDataModule(data_dir=tmp_path, length=3000, val_size=2)
    dm.setup("fit")
    assert (dm.train[2] == 2000).all() and dm.train[0][:, :, 2000:].abs().max() == 0


def test_spectrogram_shape_range_and_griffin_lim(tmp_path):
    fake_fsdd(tmp_path)
    dm = FSDDDataModule(data_dir=tmp_path, representation="spectrogram", val_size=2)
    dm.setup("fit")
    assert dm.spec.shape == (1, 128, 160) and dm.train[0].shape[1:] == (1, 128, 160)
    assert dm.train[0].min() >= -1 and dm.train[0].max() <= 1
    assert all(split[0].is_contiguous() for split in (dm.train, dm.val, dm.test))
    # 2,000 samples at hop 50 are 40 real frames
    assert (dm.train[2] == 40).all()
    wave = dm.to_audio(dm.train[0][:1])
    assert wave.shape == (1, 1, 8000)
    # Griffin-Lim gives back the sine's energy where the clip has it, silence after it
    assert wave[0, 0, 200:1800].abs().max() > 0.1
    assert wave[0, 0, 2500:].abs().max() < 0.02


def test_spectrogram_of_a_sine_peaks_at_its_frequency():
    t = torch.arange(8000) / 8000
    sine = torch.sin(2 * torch.pi * 1000 * t).view(1, 1, -1)
    spec = SpectrogramTransform()(sine)  # (1, 1, 128, 160)
    assert int(spec[0, 0, :, 80].argmax()) == 1000 * 256 // 8000


def test_missing_or_empty_folder_names_it_and_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no FSDD recordings .* in .*nowhere.*download"):
        FSDDDataModule(data_dir=tmp_path / "nowhere").setup("fit")
    (tmp_path / "FSDD" / "recordings").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"AELAB_DATA_DIR or data\.data_dir"):
        FSDDDataModule(data_dir=tmp_path).setup("fit")


def test_another_sample_rate_is_refused_or_resampled(tmp_path):
    recordings = fake_fsdd(tmp_path)
    write_clip(recordings, "2_ann_0.wav", np.zeros(3200), rate=16000)
    with pytest.raises(ValueError, match=r"2_ann_0\.wav is sampled at 16000 Hz, not 8000 Hz"):
        FSDDDataModule(data_dir=tmp_path, val_size=2).setup("fit")
    dm = FSDDDataModule(data_dir=tmp_path, val_size=2, resample=True, peak_normalize=False)
    dm.setup("fit")
    x, digits, lengths, _ = dm.test
    assert int(lengths[digits == 2][0]) == 1600


@pytest.mark.parametrize("bad", ["stereo", "corrupt"], ids=["multi-channel", "corrupt"])
def test_bad_files_are_fatal_or_skipped_by_config(tmp_path, bad):
    recordings = fake_fsdd(tmp_path)
    name = "3_ann_7.wav"
    if bad == "stereo":
        write_clip(recordings, name, np.zeros((800, 2)))
        problem = "has 2 channels"
    else:
        (recordings / name).write_bytes(b"RIFF not really a wave file")
        problem = "cannot be read as audio"
    with pytest.raises(ValueError, match=rf"3_ann_7\.wav {problem}.*data\.on_bad_file=skip"):
        FSDDDataModule(data_dir=tmp_path, val_size=2).setup("fit")
    dm = FSDDDataModule(data_dir=tmp_path, val_size=2, on_bad_file="skip")
    dm.setup("fit")
    assert sum(len(s[0]) for s in (dm.train, dm.val, dm.test)) == 24


def test_bad_settings_name_the_key():
    with pytest.raises(ValueError, match=r"data\.representation='mel' is not one of"):
        FSDDDataModule(representation="mel")
    with pytest.raises(ValueError, match=r"data\.on_bad_file='ignore' is not one of"):
        FSDDDataModule(on_bad_file="ignore")


def test_unknown_held_out_speaker(tmp_path):
    fake_fsdd(tmp_path)
    with pytest.raises(ValueError, match=r"data\.test_speakers names \['zoe'\], not among"):
        FSDDDataModule(data_dir=tmp_path, test_speakers=["zoe"], val_size=2).setup("fit")
