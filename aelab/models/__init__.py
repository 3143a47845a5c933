"""Autoencoder families: the base LightningModule and one file per variant."""

from aelab.models.base import Autoencoder, AutoencoderOutput
from aelab.models.contractive import (
    ContractiveAutoencoder,
    ContractivePenalty,
    ConvContractiveAutoencoder,
)
from aelab.models.conv import ConvAutoencoder
from aelab.models.deep import DeepAutoencoder
from aelab.models.denoising import (
    ConvDenoisingAutoencoder,
    DenoisingAutoencoder,
    DenoisingObjective,
)
from aelab.models.dense import DenseAutoencoder
from aelab.models.recurrent import RecurrentAutoencoder
from aelab.models.sparse import ConvSparseAutoencoder, SparseAutoencoder, SparseCode
from aelab.models.vae import ConvVariationalAutoencoder, VariationalAutoencoder, VariationalCode
from aelab.models.vq import ConvVQAutoencoder, QuantizedCode, VQAutoencoder

__all__ = [
    "Autoencoder",
    "AutoencoderOutput",
    "ContractiveAutoencoder",
    "ContractivePenalty",
    "ConvAutoencoder",
    "ConvContractiveAutoencoder",
    "ConvDenoisingAutoencoder",
    "ConvSparseAutoencoder",
    "ConvVQAutoencoder",
    "ConvVariationalAutoencoder",
    "DeepAutoencoder",
    "DenoisingAutoencoder",
    "DenoisingObjective",
    "DenseAutoencoder",
    "QuantizedCode",
    "RecurrentAutoencoder",
    "SparseAutoencoder",
    "SparseCode",
    "VQAutoencoder",
    "VariationalAutoencoder",
    "VariationalCode",
]
