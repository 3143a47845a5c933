"""What runs beside training: reconstructions to TensorBoard, the run's summary, the bar."""

from aelab.callbacks.latent import LatentSamplesLogger
from aelab.callbacks.progress import ThrottledProgressBar
from aelab.callbacks.projector import CodeProjector
from aelab.callbacks.reconstructions import ReconstructionLogger
from aelab.callbacks.summary import RunSummary

__all__ = [
    "CodeProjector",
    "LatentSamplesLogger",
    "ReconstructionLogger",
    "RunSummary",
    "ThrottledProgressBar",
]
