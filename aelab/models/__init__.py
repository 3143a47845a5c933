"""Autoencoder families: the base LightningModule and one file per variant."""

from aelab.models.base import Autoencoder, AutoencoderOutput
from aelab.models.conv import ConvAutoencoder
from aelab.models.deep import DeepAutoencoder
from aelab.models.dense import DenseAutoencoder

__all__ = [
    "Autoencoder",
    "AutoencoderOutput",
    "ConvAutoencoder",
    "DeepAutoencoder",
    "DenseAutoencoder",
]
