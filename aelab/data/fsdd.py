"""Free Spoken Digit Dataset: 8 kHz spoken digits as waveforms or log spectrograms.

Every clip is read once with soundfile, brought to one length and kept in memory. A batch
is ``(inputs, digits, lengths, speakers)``: ``lengths`` counts the real (unpadded) part of
each item along its last axis (samples, or spectrogram frames), so that metrics such as the
SNR skip the padding.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
import torch
from torch import Tensor

from aelab.data.base import DATA_DIR_ENV, DataSpec, InMemoryDataModule, resolve_data_dir

log = logging.getLogger(__name__)

FSDD_SAMPLE_RATE = 8000
FSDD_ARCHIVE = (
    "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/heads/master.zip"
)
FSDD_ARCHIVE_FOLDER = "free-spoken-digit-dataset-master"
FILE_NAME = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[A-Za-z]+)_(?P<take>[0-9]+)\.wav$")
# the dataset's own convention: takes 0-4 of every speaker and digit are the test set
TEST_TAKES = 5
# magnitudes are clipped this far below full scale before they are mapped to [-1, 1]
DYNAMIC_RANGE_DB = 80.0


class SpectrogramTransform:
    """Log-magnitude STFT scaled to [-1, 1], and its inverse through Griffin-Lim.

    The magnitude is divided by the window's sum, so a full-scale sine peaks near 0 dB; it
    is clipped to ``[-80, 0]`` dB and mapped linearly to ``[-1, 1]``. The Nyquist bin and the
    last frame are dropped, so ``n_fft=256, hop_length=50`` makes a 1 s clip at 8 kHz a
    ``(1, 128, 160)`` spectrogram whose sizes divide by the usual strides.

    Args:
        n_fft: FFT size; ``n_fft // 2`` frequency bins are kept.
        hop_length: samples between frames.
    """

    def __init__(self, n_fft: int = 256, hop_length: int = 50) -> None:
        if n_fft < 4 or hop_length < 1 or hop_length > n_fft:
            raise ValueError(
                f"data.n_fft={n_fft} and data.hop_length={hop_length} do not make an STFT; "
                f"use n_fft >= 4 and 1 <= hop_length <= n_fft, e.g. n_fft=256 hop_length=50"
            )
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.window = torch.hann_window(n_fft)

    def num_frames(self, num_samples: int) -> int:
        """Frames kept for a clip of ``num_samples`` samples."""
        return num_samples // self.hop_length

    def __call__(self, waves: Tensor) -> Tensor:
        """Maps waveforms ``(N, 1, L)`` to spectrograms ``(N, 1, n_fft // 2, L // hop)``."""
        stft = torch.stft(
            waves.squeeze(1),
            self.n_fft,
            self.hop_length,
            window=self.window,
            center=True,
            pad_mode="constant",
            return_complex=True,
        )  # (N, n_fft // 2 + 1, 1 + L // hop)
        magnitude = stft.abs()[:, :-1, : self.num_frames(waves.shape[-1])] / self.window.sum()
        db = 20 * torch.log10(magnitude.clamp_min(10 ** (-DYNAMIC_RANGE_DB / 20)))
        scaled = db.clamp_max(0.0) / (DYNAMIC_RANGE_DB / 2) + 1.0
        # contiguous: the crop above leaves strides that metrics' .view() cannot take
        return scaled.unsqueeze(1).contiguous()  # (N, F, T) -> (N, 1, F, T)

    def magnitude(self, spectrogram: Tensor) -> np.ndarray:
        """Undoes the scaling: ``(1, F, T)`` in [-1, 1] -> magnitudes ``(F + 1, T + 1)``."""
        db = (spectrogram.detach().cpu().squeeze(0).double() - 1.0) * (DYNAMIC_RANGE_DB / 2)
        magnitude = (10 ** (db / 20) * self.window.sum().double()).numpy()
        # the dropped Nyquist bin and last frame come back as silence
        return np.pad(magnitude, ((0, 1), (0, 1)))

    def to_audio(self, spectrogram: Tensor, num_iterations: int = 32) -> Tensor:
        """A waveform ``(1, T * hop)`` for a spectrogram ``(1, F, T)``, by Griffin-Lim."""
        import librosa  # imported here: only turning spectrograms into sound needs it

        wave = librosa.griffinlim(
            self.magnitude(spectrogram),
            n_iter=num_iterations,
            hop_length=self.hop_length,
            n_fft=self.n_fft,
            window="hann",
            center=True,
            pad_mode="constant",
            length=spectrogram.shape[-1] * self.hop_length,
            random_state=0,
        )
        return torch.from_numpy(wave).float().clamp(-1, 1).unsqueeze(0)  # (L,) -> (1, L)


class FSDDDataModule(InMemoryDataModule):
    """The 3,000 clips of the Free Spoken Digit Dataset, 8 kHz mono, values in [-1, 1].

    Every clip is brought to ``length`` samples (1 s by default): shorter clips are padded
    with silence at the end, longer ones (20 of the 3,000 at 1 s) keep their first
    ``length`` samples and the rest is cut; the count is logged. Samples are 16-bit PCM
    divided by 32768, and with ``peak_normalize`` every clip is then divided by its peak,
    so that quiet and loud speakers weigh the same in the loss.

    Splits follow the dataset's convention: takes 0-4 of every speaker and digit (300
    clips) are the test set; ``val_size`` clips of the rest are drawn, seeded, for
    validation. ``test_speakers`` instead holds out whole speakers: all their clips are
    the test set and the others are split into training and validation.

    Args:
        data_dir: folder holding ``FSDD/recordings/``; defaults to ``$AELAB_DATA_DIR``,
            then ``./data``.
        download: fetch the dataset's public archive when the recordings are missing.
        representation: ``"waveform"`` for ``(1, length)`` items or ``"spectrogram"`` for
            log-magnitude STFTs ``(1, n_fft // 2, length // hop_length)``.
        length: samples per clip after padding or cutting.
        peak_normalize: divide each clip by its peak absolute value.
        val_size: clips held out from the training takes for validation.
        test_speakers: speakers whose clips form the test set instead of takes 0-4.
        resample: resample clips of another rate to 8 kHz with librosa (soxr); when
            false, such a clip is an error that names both rates.
        on_bad_file: ``"raise"`` stops at a corrupt or multi-channel file, ``"skip"`` logs
            a warning naming it and leaves it out.
        n_fft: FFT size of the spectrogram.
        hop_length: hop of the spectrogram.
        **kwargs: batching arguments of :class:`InMemoryDataModule`.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike | None = None,
        download: bool = False,
        representation: Literal["waveform", "spectrogram"] = "waveform",
        length: int = FSDD_SAMPLE_RATE,
        peak_normalize: bool = True,
        val_size: int = 270,
        test_speakers: tuple[str, ...] = (),
        resample: bool = False,
        on_bad_file: Literal["raise", "skip"] = "raise",
        n_fft: int = 256,
        hop_length: int = 50,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if representation not in ("waveform", "spectrogram"):
            raise ValueError(
                f"data.representation={representation!r} is not one of 'waveform', 'spectrogram'"
            )
        if on_bad_file not in ("raise", "skip"):
            raise ValueError(f"data.on_bad_file={on_bad_file!r} is not one of 'raise', 'skip'")
        if length < 1:
            raise ValueError(f"data.length must be a positive number of samples, got {length}")
        if val_size < 1:
            raise ValueError(f"data.val_size must be at least 1, got {val_size}")
        self.data_dir = resolve_data_dir(data_dir)
        self.download = download
        self.representation = representation
        self.length = length
        self.peak_normalize = peak_normalize
        self.val_size = val_size
        self.test_speakers = tuple(test_speakers)
        self.resample = resample
        self.on_bad_file = on_bad_file
        self.transform = SpectrogramTransform(n_fft, hop_length)
        self.speakers: tuple[str, ...] = ()

    @property
    def recordings(self) -> Path:
        return self.data_dir / "FSDD" / "recordings"

    @property
    def spec(self) -> DataSpec:
        if self.representation == "waveform":
            shape: tuple[int, ...] = (1, self.length)
        else:
            shape = (1, self.transform.n_fft // 2, self.transform.num_frames(self.length))
        return DataSpec(shape=shape, kind="signed", sample_rate=FSDD_SAMPLE_RATE)

    def to_audio(self, items: Tensor) -> Tensor:
        """Waveforms ``(N, 1, L)`` of items in this data's representation."""
        if self.representation == "waveform":
            return items.detach().cpu()
        return torch.stack([self.transform.to_audio(item) for item in items])

    def prepare_data(self) -> None:
        if self.recordings.is_dir() and any(self.recordings.glob("*.wav")):
            return
        if not self.download:
            raise FileNotFoundError(
                f"no FSDD recordings (*.wav) in {self.recordings}. Point the data folder at a "
                f"copy that holds FSDD/recordings/ (set {DATA_DIR_ENV} or data.data_dir=...), "
                f"or allow downloading with data.download=true."
            )
        from torchvision.datasets.utils import download_and_extract_archive

        log.info("downloading FSDD into %s", self.recordings)
        target = self.data_dir / "FSDD"
        download_and_extract_archive(FSDD_ARCHIVE, download_root=str(target))
        shutil.move(str(target / FSDD_ARCHIVE_FOLDER / "recordings"), str(self.recordings))

    def read_clip(self, path: Path) -> np.ndarray | None:
        """Reads one clip as float32 samples in [-1, 1], or ``None`` for a skipped file.

        Raises:
            ValueError: for a corrupt or multi-channel file (with ``on_bad_file="raise"``)
                or another sample rate (with ``resample=false``).
        """
        try:
            samples, rate = sf.read(path, dtype="float32", always_2d=True)  # (L, channels)
        except (sf.SoundFileError, RuntimeError) as error:
            return self._bad_file(path, f"cannot be read as audio ({error})")
        if samples.shape[1] != 1:
            return self._bad_file(path, f"has {samples.shape[1]} channels, FSDD is mono")
        wave = samples[:, 0]
        if rate != FSDD_SAMPLE_RATE:
            if not self.resample:
                raise ValueError(
                    f"{path} is sampled at {rate} Hz, not {FSDD_SAMPLE_RATE} Hz; convert it, "
                    f"or set data.resample=true to resample it to {FSDD_SAMPLE_RATE} Hz"
                )
            import librosa

            wave = librosa.resample(wave, orig_sr=rate, target_sr=FSDD_SAMPLE_RATE)
        return wave

    def _bad_file(self, path: Path, problem: str) -> None:
        if self.on_bad_file == "raise":
            raise ValueError(
                f"{path} {problem}; remove or replace it, or set data.on_bad_file=skip to "
                f"leave such files out"
            )
        log.warning("skipping %s: it %s", path, problem)
        return None

    def load(self) -> None:
        self.prepare_data()
        paths = sorted(self.recordings.glob("*.wav"))
        waves, digits, speakers, takes, lengths = [], [], [], [], []
        for path in paths:
            match = FILE_NAME.match(path.name)
            if match is None:
                raise ValueError(
                    f"{path} is not named {{digit}}_{{speaker}}_{{take}}.wav like the FSDD "
                    f"recordings; rename or remove it"
                )
            wave = self.read_clip(path)
            if wave is None:
                continue
            if self.peak_normalize:
                wave = wave / max(float(np.abs(wave).max()), 1e-8)
            clip = np.zeros(self.length, dtype=np.float32)
            clip[: min(len(wave), self.length)] = wave[: self.length]
            waves.append(clip)
            lengths.append(min(len(wave), self.length))
            digits.append(int(match["digit"]))
            speakers.append(match["speaker"])
            takes.append(int(match["take"]))
        if not waves:
            raise ValueError(f"no readable FSDD clips in {self.recordings}; check the files")
        cut = sum(n == self.length for n in lengths)
        log.info("FSDD: %d clips, %d cut to %d samples", len(waves), cut, self.length)

        self.speakers = tuple(sorted(set(speakers)))
        unknown = sorted(set(self.test_speakers) - set(self.speakers))
        if unknown:
            raise ValueError(
                f"data.test_speakers names {unknown}, not among the speakers {self.speakers}"
            )
        x = torch.from_numpy(np.stack(waves)).unsqueeze(1)  # (N, L) -> (N, 1, L)
        n_samples = torch.tensor(lengths)
        if self.representation == "spectrogram":
            x = self.transform(x)
            n_items = torch.clamp(-(-n_samples // self.transform.hop_length), max=x.shape[-1])
        else:
            n_items = n_samples
        y = torch.tensor(digits)
        speaker_ids = torch.tensor([self.speakers.index(s) for s in speakers])
        data = (x, y, n_items, speaker_ids)

        if self.test_speakers:
            is_test = torch.tensor([s in self.test_speakers for s in speakers])
        else:
            is_test = torch.tensor(takes) < TEST_TAKES
        rest = torch.nonzero(~is_test).squeeze(1)
        if self.val_size >= len(rest):
            raise ValueError(
                f"data.val_size={self.val_size} leaves no training clips out of {len(rest)}; "
                f"lower data.val_size"
            )
        order = rest[torch.randperm(len(rest), generator=torch.Generator().manual_seed(self.seed))]
        self.test = tuple(t[is_test] for t in data)
        self.val = tuple(t[order[: self.val_size]] for t in data)
        self.train = tuple(t[order[self.val_size :]] for t in data)
