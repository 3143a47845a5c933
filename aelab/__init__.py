"""aelab: a PyTorch research framework for autoencoders."""

import os
import sys
from pathlib import Path

__version__ = "0.1.0"

# The Hydra config tree at the repository root (aelab is installed editable, `pip install -e .`).
CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")

_NVML_CHECK = "PYTORCH_NVML_BASED_CUDA_CHECK"


def _drop_nvml_cuda_check(set_before_lightning: bool) -> None:
    """Undoes Lightning's ``PYTORCH_NVML_BASED_CUDA_CHECK=1`` on machines without a GPU.

    Lightning sets it on import so that asking whether CUDA is available never initializes
    CUDA in a process that may fork. torch's Adam asks at every step, and without an NVIDIA
    driver the NVML route looks for the library anew each time: 0.06 ms a step, a few
    percent of a small model's step. Where no GPU is found there is nothing to protect, so
    the setting is dropped; one the user set before Lightning was imported is kept.
    """
    import torch

    if not set_before_lightning and torch.cuda.device_count() == 0:
        os.environ.pop(_NVML_CHECK, None)


# Lightning overwrites the variable when it is imported, so only a value that was there
# before counts as the user's, whether Lightning is imported before aelab or by it
_user_set = _NVML_CHECK in os.environ and "lightning.fabric" not in sys.modules
import lightning  # noqa: E402, F401  (sets PYTORCH_NVML_BASED_CUDA_CHECK=1)

_drop_nvml_cuda_check(_user_set)
