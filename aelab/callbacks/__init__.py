"""What runs beside training: reconstructions to TensorBoard and the run's summary."""

from aelab.callbacks.latent import LatentSamplesLogger
from aelab.callbacks.projector import CodeProjector
from aelab.callbacks.reconstructions import ReconstructionLogger
from aelab.callbacks.summary import RunSummary

__all__ = ["CodeProjector", "LatentSamplesLogger", "ReconstructionLogger", "RunSummary"]
