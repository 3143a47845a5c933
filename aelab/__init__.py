"""aelab: a PyTorch research framework for autoencoders."""

from pathlib import Path

__version__ = "0.1.0"

# The Hydra config tree at the repository root (aelab is installed editable, `pip install -e .`).
CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")
