"""Seconds per training epoch: aelab's training path against a plain PyTorch loop.

Both train the same model (same class, same initial weights) on the same in-memory
data with the same batch size and optimizer, in this one process. The aelab side is a
Lightning Trainer with aelab's callbacks, TensorBoard logger and progress bar, as
``aelab-train`` builds it, with validation and checkpointing switched off because the
plain loop has neither. Each round runs ``--epochs`` epochs on each side, one side after
the other. This machine's speed drifts by a third over minutes, so the ratio reported is
the median over rounds of each round's ratio (its fastest aelab epoch over its fastest
plain epoch): both sides of a round ran within seconds of each other. The seconds shown
are the fastest epoch of each side over all rounds.

    python scripts/benchmark.py                       # dense, deep, conv on MNIST
    python scripts/benchmark.py --data mnist fsdd sentences --rounds 1
    python scripts/benchmark.py --models conv --rounds 3
    python scripts/benchmark.py --torchvision-loader  # also the usual DataLoader recipe
    python scripts/benchmark.py --lightning-loop      # aelab on Lightning's own epoch loop
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings

import lightning as L
import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from aelab import CONFIG_DIR
from aelab.data.base import TensorBatchLoader
from aelab.train import build_callbacks, build_datamodule, build_model

log = logging.getLogger("benchmark")


# the default loss of each data kind, written the way a hand-made loop writes it
PLAIN_LOSSES = {
    "unit": F.binary_cross_entropy_with_logits,
    "signed": lambda logits, x: F.mse_loss(torch.tanh(logits), x),
    "tokens": lambda logits, x: F.cross_entropy(logits, x, ignore_index=0),
}


class EpochTimer(L.Callback):
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._start = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def plain_epochs(model, loader, optimizer, loss_fn, epochs: int) -> list[float]:
    """The hand-written loop: forward, loss, backward, step; nothing else."""
    model.train()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        for x, *_ in loader:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model.decode(model.encode(model.embed(x))), x)
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def aelab_epochs(
    cfg, model, datamodule, epochs: int, log_dir: str, lean_loop: bool = True
) -> list[float]:
    timer = EpochTimer()
    # the callbacks aelab-train runs (progress bar, NaN check, reconstructions), less the
    # checkpointing, which needs the validation the plain loop does not do
    callbacks = build_callbacks(cfg, exclude=("model_checkpoint",))
    trainer = instantiate(
        cfg.trainer,
        max_epochs=epochs,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        enable_checkpointing=False,
        enable_model_summary=False,
        default_root_dir=log_dir,
        logger=instantiate(cfg.logger.tensorboard, save_dir=log_dir),
        callbacks=[timer, *callbacks],
        lean_loop=lean_loop,
    )
    # the bar draws as in aelab-train, on stderr, so that stdout keeps only the table
    with contextlib.redirect_stdout(sys.stderr):
        trainer.fit(model, datamodule=datamodule)
    return timer.seconds


def torchvision_epoch(data_dir: str, model, batch_size: int) -> float:
    """One epoch of the common recipe: torchvision MNIST + ToTensor + DataLoader."""
    from torchvision import datasets, transforms

    dataset = datasets.MNIST(data_dir, train=True, transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for x, _y in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = F.binary_cross_entropy_with_logits(model.decode(model.encode(x)), x)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["dense", "deep", "conv"])
    parser.add_argument("--data", nargs="+", default=["mnist"], help="conf/data config names")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per round and side")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--torchvision-loader", action="store_true")
    parser.add_argument(
        "--lightning-loop",
        action="store_true",
        help="run aelab on Lightning's own training epoch loop instead of the lean one",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.WARNING)
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")

    data_dir = os.environ.get("AELAB_DATA_DIR", "data")
    # runs write nothing that outlives the benchmark (a vocabulary file, event files)
    with tempfile.TemporaryDirectory() as out:
        for data in args.data:
            benchmark_data(data, args, data_dir, out)


def benchmark_data(data: str, args: argparse.Namespace, data_dir: str, out: str) -> None:
    """Prints one line per model for the data set ``data`` (a conf/data config name)."""
    loop = "Lightning's" if args.lightning_loop else "the lean"
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        base = compose("train", overrides=[f"data={data}", f"paths.output_dir={out}"])
    start = time.perf_counter()
    datamodule = build_datamodule(base)
    read_s = time.perf_counter() - start
    loader = TensorBatchLoader(datamodule.train, datamodule.batch_size, shuffle=True)
    print(
        f"\n{data}: {len(datamodule.train[0])} training items of shape {datamodule.spec.shape}, "
        f"read into memory in {read_s:.1f} s; batch {datamodule.batch_size}, "
        f"{torch.get_num_threads()} torch threads; {args.rounds} rounds x {args.epochs} epochs "
        f"a side; ratio: median of the rounds' ratios; aelab on {loop} epoch loop"
    )
    print(f"{'model':<8} {'params':>11} {'plain s':>8} {'aelab s':>8} {'ratio':>6}   (rounds)")
    for name in args.models:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(
                "train", overrides=[f"data={data}", f"model={name}", f"paths.output_dir={out}"]
            )
        L.seed_everything(0, verbose=False)
        reference = build_model(cfg, datamodule.spec)
        # the module's own init, which marks it done: the copies fitted below keep these weights
        reference.setup("fit")
        plain_s: list[float] = []
        aelab_s: list[float] = []
        ratios: list[float] = []
        for _ in range(args.rounds):
            plain_model = copy.deepcopy(reference)
            optimizer = plain_model.optimizer_factory(plain_model.parameters())
            loss_fn = PLAIN_LOSSES[datamodule.spec.kind]
            plain_round = plain_epochs(plain_model, loader, optimizer, loss_fn, args.epochs)
            with tempfile.TemporaryDirectory() as tmp:
                aelab_round = aelab_epochs(
                    cfg,
                    copy.deepcopy(reference),
                    datamodule,
                    args.epochs,
                    tmp,
                    lean_loop=not args.lightning_loop,
                )
            plain_s += plain_round
            aelab_s += aelab_round
            ratios.append(min(aelab_round) / min(plain_round))
        params = sum(p.numel() for p in reference.parameters())
        ratio = statistics.median(ratios)
        print(
            f"{name:<8} {params:>11,} {min(plain_s):>8.2f} {min(aelab_s):>8.2f} {ratio:>6.2f}"
            f"   ({min(ratios):.2f}-{max(ratios):.2f})"
        )
        if args.torchvision_loader and data == "mnist":
            seconds = torchvision_epoch(data_dir, copy.deepcopy(reference), datamodule.batch_size)
            print(f"{'':<8} torchvision Dataset + DataLoader recipe: {seconds:.2f} s/epoch")


if __name__ == "__main__":
    main()
