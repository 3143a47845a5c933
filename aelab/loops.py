"""Lightning's training epoch loop, with a short path per batch when nothing needs the long one.

For every batch Lightning's loop calls each hook of every callback and of the module
through a wrapper that names the hook and opens a profiler section, moves the batch
through three transfer hooks, rebuilds the training step's arguments from its signature,
runs the step through the strategy and copies every logged value to the progress bar's
and the callbacks' metrics, logged anew or not. On the dense MNIST model that is a tenth
of a 5 ms step. :class:`LeanTrainingEpochLoop` does the same work for a batch, in the
same order and with the same counters, and leaves out only calls that would do nothing:
hooks nobody overrides, a profiler that records nothing, a precision plugin that converts
nothing, a copy of metrics that did not change. Wherever one of those is in use it runs
Lightning's own ``advance``.

NOTE: it subclasses Lightning's private ``_TrainingEpochLoop`` and reads its logger
connector, which is why lightning is pinned to one version. tests/test_loops.py trains,
logs and calls back through both loops and asserts identical results, so a Lightning
upgrade that changes the loop fails there.
"""

from __future__ import annotations

import logging
from typing import Any

import lightning as L
from lightning.fabric.utilities.apply_func import move_data_to_device
from lightning.pytorch.loops.fetchers import _DataFetcher, _DataLoaderIterDataFetcher
from lightning.pytorch.loops.training_epoch_loop import _TrainingEpochLoop
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.profilers import PassThroughProfiler
from lightning.pytorch.strategies import SingleDeviceStrategy
from lightning.pytorch.trainer import call
from typing_extensions import override

from aelab.models.base import Autoencoder

log = logging.getLogger(__name__)

# the module hooks that Lightning's advance calls around a training batch
_BATCH_HOOKS = ("on_train_batch_start", "on_train_batch_end")
# the hooks that move a batch to the device, on the module or the DataModule
_TRANSFER_HOOKS = (
    "on_before_batch_transfer",
    "transfer_batch_to_device",
    "on_after_batch_transfer",
)


class LeanTrainingEpochLoop(_TrainingEpochLoop):
    """A training epoch loop that skips the calls that would do nothing.

    The short path is taken for an epoch when the module steps its optimizer itself (an
    :class:`~aelab.models.Autoencoder` that chose its step by hand, see
    ``Autoencoder.on_train_start``), on one device in 32-bit precision, with no profiler,
    no ``training_step(dataloader_iter)``, and no ``on_train_batch_start`` or
    ``on_train_batch_end`` on the module. A batch then runs: fetch, transfer (hooks only
    where overridden), ``on_train_batch_start`` of the callbacks that override it, the
    training step, ``on_train_batch_end`` of the callbacks that override it, and the
    logger connector's bookkeeping, with Lightning's progress counters advanced as its own
    loop does. The first batch after a restart (a run resumed mid-epoch) takes Lightning's
    path.

    The copy of logged values to the progress bar's and callbacks' metrics is made only
    after a batch in which something was logged through the module's ``log`` (every
    ``self.log``, ``self.log_dict`` and ``pl_module.log`` call); one that calls
    ``lightning.LightningModule.log`` itself, past the module's own, is copied at the next
    batch that logs.
    """

    def __init__(self, trainer: L.Trainer, min_steps: int | None = None, max_steps: int = -1):
        super().__init__(trainer, min_steps=min_steps, max_steps=max_steps)
        self._lean = False

    @override
    def on_run_start(self, data_fetcher: _DataFetcher) -> None:
        super().on_run_start(data_fetcher)
        self._lean = self._can_run_lean(data_fetcher)
        if self._lean:
            self.trainer.lightning_module.logged_since_batch_end = True
        log.debug("training epoch %d: lean loop %s", self.trainer.current_epoch, self._lean)

    def _can_run_lean(self, data_fetcher: _DataFetcher) -> bool:
        trainer = self.trainer
        module = trainer.lightning_module
        return (
            isinstance(module, Autoencoder)
            and module._by_hand
            and not isinstance(data_fetcher, _DataLoaderIterDataFetcher)
            and type(trainer.strategy) is SingleDeviceStrategy
            and type(trainer.precision_plugin) is Precision
            and type(trainer.profiler) is PassThroughProfiler
        )

    @override
    def advance(self, data_fetcher: _DataFetcher) -> None:
        trainer = self.trainer
        module = trainer.lightning_module
        # NOTE: hooks are looked up at every batch, as Lightning does, so that a hook replaced
        # or a callback added mid-epoch is called like any other
        if (
            not self._lean
            or self.restarting
            or any(_may_act(module, hook, L.LightningModule) for hook in _BATCH_HOOKS)
        ):
            super().advance(data_fetcher)
            return
        self.val_loop.restarting = False

        batch, _, __ = next(data_fetcher)
        batch_idx = self.batch_idx + 1
        self.batch_progress.is_last_batch = data_fetcher.done
        datamodule = trainer.datamodule
        if any(_may_act(module, hook, L.LightningModule) for hook in _TRANSFER_HOOKS) or (
            datamodule is not None
            and any(_may_act(datamodule, hook, L.LightningDataModule) for hook in _TRANSFER_HOOKS)
        ):
            batch = module._on_before_batch_transfer(batch, dataloader_idx=0)
            batch = call._call_strategy_hook(trainer, "batch_to_device", batch, dataloader_idx=0)
        else:
            batch = move_data_to_device(batch, trainer.strategy.root_device)
        self.batch_progress.increment_ready()
        trainer._logger_connector.on_batch_start(batch)

        output: dict[str, Any] | None = None
        if batch is None:
            self._warning_cache.warn(
                "train_dataloader yielded None. If this was on purpose, ignore this warning..."
            )
        else:
            self._call_callbacks("on_train_batch_start", batch, batch_idx)
            self.batch_progress.increment_started()
            # counts steps a subclass takes through self.optimizers(), as Lightning's manual
            # optimization does; the step by hand counts its own
            self.manual_optimization.on_run_start()
            previous = module._current_fx_name
            module._current_fx_name = "training_step"
            loss = module.training_step(batch, batch_idx)
            module._current_fx_name = previous
            self.manual_optimization.on_run_end()
            # what Lightning's manual optimization hands on to the callbacks
            output = {"loss": loss.detach()}
        self.batch_progress.increment_processed()

        self._call_callbacks("on_train_batch_end", output, batch, batch_idx)
        if module.logged_since_batch_end:
            # copies what was logged to the progress bar's and callbacks' metrics
            trainer._logger_connector.on_batch_end()
            module.logged_since_batch_end = False
        else:
            # nothing new to copy: the same values would be copied again
            trainer._results.batch = None
            trainer._results.batch_size = None
        self.batch_progress.increment_completed()
        trainer._logger_connector.update_train_step_metrics()

    def _call_callbacks(self, hook: str, *args: Any) -> None:
        trainer = self.trainer
        module = trainer.lightning_module
        previous, named = None, False
        # the live list, as Lightning walks it: a callback appended by one runs in this batch
        for callback in trainer.callbacks:
            if not _may_act(callback, hook, L.Callback):
                continue
            if not named:
                previous, named = module._current_fx_name, True
                module._current_fx_name = hook
            getattr(callback, hook)(trainer, module, *args)
        if named:
            module._current_fx_name = previous


def _may_act(obj: object, hook: str, base: type) -> bool:
    """Whether ``obj.<hook>`` may do something: set on the object itself (a replaced hook, a
    mock), or defined by its class other than as ``base``'s empty hook."""
    return hook in getattr(obj, "__dict__", ()) or getattr(type(obj), hook) is not getattr(
        base, hook
    )


class Trainer(L.Trainer):
    """Lightning's Trainer with :class:`LeanTrainingEpochLoop` as its training epoch loop.

    Takes every argument of :class:`lightning.Trainer`; ``lean_loop=False`` keeps
    Lightning's own loop.
    """

    def __init__(self, *args: Any, lean_loop: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lean_loop:
            loop = self.fit_loop.epoch_loop
            self.fit_loop.epoch_loop = LeanTrainingEpochLoop(
                self, min_steps=loop.min_steps, max_steps=loop.max_steps
            )
