"""What importing aelab does to the process."""

import os
import subprocess
import sys

import pytest
import torch

PRINT_CHECK = "import aelab, os; print(os.environ.get('PYTORCH_NVML_BASED_CUDA_CHECK'))"


def _import_aelab(env: dict[str, str], first: str = "") -> str:
    code = f"{first}; {PRINT_CHECK}" if first else PRINT_CHECK
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(torch.cuda.device_count() > 0, reason="only machines without a GPU")
def test_import_drops_lightnings_nvml_check_without_a_gpu():
    env = {k: v for k, v in os.environ.items() if k != "PYTORCH_NVML_BASED_CUDA_CHECK"}
    assert _import_aelab(env) == "None"
    # also where Lightning was imported first, as a script of the user's may do
    assert _import_aelab(env, first="import lightning") == "None"
    # one the user set stays
    assert _import_aelab({**env, "PYTORCH_NVML_BASED_CUDA_CHECK": "1"}) == "1"
