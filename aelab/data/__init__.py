"""DataModules: in-memory batching and one file per data set."""

from aelab.data.base import DataSpec, InMemoryDataModule, TensorBatchLoader, resolve_data_dir
from aelab.data.fsdd import FSDDDataModule, SpectrogramTransform
from aelab.data.mnist import MNISTDataModule
from aelab.data.sentences import SentencesDataModule
from aelab.data.tokenizers import CharTokenizer, Vocabulary, WordTokenizer

__all__ = [
    "CharTokenizer",
    "DataSpec",
    "FSDDDataModule",
    "InMemoryDataModule",
    "MNISTDataModule",
    "SentencesDataModule",
    "SpectrogramTransform",
    "TensorBatchLoader",
    "Vocabulary",
    "WordTokenizer",
    "resolve_data_dir",
]
