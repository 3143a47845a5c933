"""What runs beside training: reconstructions to TensorBoard and the run's summary."""

from aelab.callbacks.reconstructions import ReconstructionLogger
from aelab.callbacks.summary import RunSummary

__all__ = ["ReconstructionLogger", "RunSummary"]
