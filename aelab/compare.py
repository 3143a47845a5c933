"""``aelab-compare``: one table and a few plots from the folders that runs wrote.

aelab-compare logs/train/multiruns/2026-01-01_12-00-00-000000
aelab-compare logs/sweep_a logs/sweep_b --metric test/loss --out reports/ab
aelab-compare logs/folds --metric val/loss --average-over data.fold

It reads only what runs write: ``metrics.json`` (status, test metrics, epochs, seconds
per epoch, hyperparameters), ``.hydra/config.yaml`` for runs that have no
``metrics.json`` yet, and the TensorBoard event files, through TensorBoard's own reader.
So it works on runs still in progress, on failed runs and on runs of older versions.

It writes into ``--out``: ``comparison.md`` (the tables), ``runs.csv`` (one row per run),
``settings.csv`` (mean and spread per setting, when runs differ in an ``--average-over``
key such as ``data.fold``), ``curves_<metric>.png`` (the learning curves) and
``<metric>_vs_<hparam>.png`` for every hyperparameter that varies.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from omegaconf import OmegaConf
from tensorboard.backend.event_processing import event_accumulator

from aelab.callbacks.summary import METRICS_FILE, flatten, hyperparameters

log = logging.getLogger(__name__)

HYDRA_CONFIG = Path(".hydra") / "config.yaml"
TENSORBOARD_DIR = "tensorboard"
# the status of a run that has not written metrics.json: still running, or killed
UNFINISHED = "unfinished"
# metrics where more is better; every other metric is minimized
HIGHER_IS_BETTER = ("psnr", "ssim", "acc", "accuracy", "f1")
DEFAULT_AVERAGE_OVER = ("data.fold",)

Value = int | float | str | bool | None


@dataclass
class Run:
    """What one run folder says about its run.

    Attributes:
        path: the run's folder.
        name: the folder, relative to the PATH it was found under.
        status: ``completed``, ``failed``, or ``unfinished`` (no ``metrics.json``: still
            running, or killed).
        hparams: the run's flattened hyperparameters.
        metrics: final values: test metrics from ``metrics.json`` and the last epoch value
            of every epoch-level TensorBoard scalar (``val/loss``, ``train/loss``, ...).
        curves: per epoch-level scalar, its ``(epoch, value)`` points, epochs from 1.
        epochs: epochs trained.
        seconds_per_epoch: mean wall time of an epoch.
        error: the first line of the error of a failed run.
    """

    path: Path
    name: str
    status: str
    hparams: dict[str, Value]
    metrics: dict[str, float] = field(default_factory=dict)
    curves: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    epochs: int | None = None
    seconds_per_epoch: float | None = None
    error: str | None = None


def is_run(folder: Path) -> bool:
    """Whether ``folder`` is a run's folder: it holds ``metrics.json`` or a Hydra config."""
    return (folder / METRICS_FILE).is_file() or (folder / HYDRA_CONFIG).is_file()


def _natural_key(path: Path) -> list[Any]:
    # job folders 0, 1, ..., 10 sort as numbers
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


def find_runs(paths: Sequence[str | os.PathLike]) -> list[tuple[Path, str]]:
    """The run folders at or under ``paths``, each with its display name.

    Raises:
        FileNotFoundError: when a path does not exist or holds no run.
    """
    found: list[tuple[Path, str]] = []
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise FileNotFoundError(f"aelab-compare: {root} does not exist")
        prefix = f"{root.name}/" if len(paths) > 1 else ""
        if is_run(root):
            found.append((root, root.name))
            continue
        runs = []
        for folder, subfolders, _ in os.walk(root):
            current = Path(folder)
            if is_run(current):
                runs.append(current)
                subfolders.clear()  # a run's own subfolders are not runs
            else:
                subfolders[:] = [s for s in subfolders if not s.startswith(".")]
        if not runs:
            raise FileNotFoundError(
                f"aelab-compare: no run under {root} (a run folder holds {METRICS_FILE} or "
                f"{HYDRA_CONFIG}); pass a run or sweep folder"
            )
        found += [(run, prefix + run.relative_to(root).as_posix()) for run in runs]
    return sorted(found, key=lambda item: _natural_key(item[0]))


def _config_hparams(path: Path) -> dict[str, Value]:
    """The hyperparameters of a run that has not written ``metrics.json``, from its config."""
    config = OmegaConf.load(path)
    flat = flatten(OmegaConf.to_container(config, resolve=False))
    # NOTE: keys are resolved one by one; those that need Hydra's runtime (output folders)
    # cannot resolve here and are plumbing that the filter drops anyway.
    resolved = {
        key: OmegaConf.select(config, key, throw_on_resolution_failure=False) for key in flat
    }
    nested: dict[str, Any] = {}
    for key, value in resolved.items():
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = OmegaConf.to_container(value) if OmegaConf.is_config(value) else value
    return hyperparameters(nested)


def read_scalars(folder: Path) -> tuple[dict[str, list[tuple[int, float]]], float | None]:
    """Reads the epoch-level scalars of the event files in ``folder``.

    Returns:
        Per tag, its ``(epoch, value)`` points with epochs counted from 1 (the mean over
        the epoch for scalars logged per step), and the mean seconds between the epoch
        points of ``val/loss`` or of the first tag, ``None`` when there are too few.
    """
    if not folder.is_dir():
        return {}, None
    accumulator = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.SCALARS: 0}
    )
    accumulator.Reload()
    tags = accumulator.Tags().get(event_accumulator.SCALARS, [])
    epoch_at_step = (
        {e.step: int(e.value) for e in accumulator.Scalars("epoch")} if ("epoch" in tags) else {}
    )
    curves: dict[str, list[tuple[int, float]]] = {}
    walls: dict[str, list[float]] = {}
    for tag in tags:
        # per-step scalars are noise for a comparison (Lightning names them *_step); test
        # metrics come once, from metrics.json
        if tag in ("epoch", "hp_metric") or tag.endswith("_step") or tag.startswith("test/"):
            continue
        by_epoch: dict[int, list[tuple[float, float]]] = {}
        for index, event in enumerate(accumulator.Scalars(tag)):
            epoch = epoch_at_step.get(event.step, index) + 1
            by_epoch.setdefault(epoch, []).append((event.value, event.wall_time))
        name = tag.removesuffix("_epoch")
        # NOTE: a scalar logged per step (train/loss) becomes its epoch's mean; the reader
        # drops the events a restarted run wrote twice, so epoch scalars have one value
        epochs = sorted(by_epoch)
        curves[name] = [(e, statistics.fmean(v for v, _ in by_epoch[e])) for e in epochs]
        walls[name] = [by_epoch[e][-1][1] for e in epochs]
    timed = walls.get("val/loss") or next(iter(walls.values()), [])
    seconds = (timed[-1] - timed[0]) / (len(timed) - 1) if len(timed) > 1 else None
    return curves, seconds


def read_run(path: Path, name: str) -> Run:
    """Reads one run folder: its ``metrics.json`` if written, its config and its events."""
    record_path = path / METRICS_FILE
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    if "hparams" in record:
        hparams = dict(record["hparams"])
    elif (path / HYDRA_CONFIG).is_file():
        hparams = _config_hparams(path / HYDRA_CONFIG)
    else:
        hparams = {}
    curves, seconds_from_events = read_scalars(path / TENSORBOARD_DIR)

    metrics = {k: float(v) for k, v in record.get("metrics", {}).items()}
    for tag, points in curves.items():
        metrics.setdefault(tag, points[-1][1])
    epochs = record.get("epochs")
    if epochs is None and curves:
        epochs = max(points[-1][0] for points in curves.values())
    error = record.get("error")
    return Run(
        path=path,
        name=name,
        status=record.get("status", UNFINISHED),
        hparams=hparams,
        metrics=metrics,
        curves=curves,
        epochs=epochs,
        seconds_per_epoch=record.get("seconds_per_epoch") or seconds_from_events,
        error=error.strip().splitlines()[0] if error else None,
    )


def varying_hparams(runs: Sequence[Run]) -> list[str]:
    """The hyperparameters whose value differs between runs (missing counts as a value)."""
    keys = sorted({key for run in runs for key in run.hparams})
    return [key for key in keys if len({repr(run.hparams.get(key)) for run in runs}) > 1]


def higher_is_better(metric: str) -> bool:
    """Whether ``metric`` is maximized: PSNR, SSIM and accuracies are, losses are not."""
    return metric.rsplit("/", 1)[-1].lower() in HIGHER_IS_BETTER


def _sort_key(value: float | None, maximize: bool) -> tuple[int, float]:
    # runs without the metric, or with a non-finite value, go last
    if value is None or not math.isfinite(value):
        return (1, 0.0)
    return (0, -value if maximize else value)


@dataclass
class Setting:
    """Runs that differ only in the averaged-over keys (e.g. the folds of one setting)."""

    hparams: dict[str, Value]
    runs: list[Run]

    def values(self, metric: str) -> list[float]:
        return [
            r.metrics[metric]
            for r in self.runs
            if metric in r.metrics and math.isfinite(r.metrics[metric])
        ]

    def mean(self, metric: str) -> float | None:
        values = self.values(metric)
        return statistics.fmean(values) if values else None

    def spread(self, metric: str) -> float | None:
        """The sample standard deviation over the runs, ``None`` below two values."""
        values = self.values(metric)
        return statistics.stdev(values) if len(values) > 1 else None


def group_settings(runs: Sequence[Run], keys: Sequence[str]) -> list[Setting]:
    """Groups ``runs`` by the values of ``keys``, in the order the runs come."""
    groups: dict[tuple[str, ...], Setting] = {}
    for run in runs:
        values = {key: run.hparams.get(key) for key in keys}
        signature = tuple(repr(v) for v in values.values())
        groups.setdefault(signature, Setting(values, [])).runs.append(run)
    return list(groups.values())


@dataclass
class Comparison:
    """The runs of some folders, what varies between them, and how they rank.

    Args:
        runs: the runs, sorted by ``metric``.
        metric: the metric that ranks them.
        average_over: the varying keys that the settings table averages over.
    """

    runs: list[Run]
    metric: str
    average_over: list[str]

    @property
    def maximize(self) -> bool:
        return higher_is_better(self.metric)

    @property
    def varying(self) -> list[str]:
        return varying_hparams(self.runs)

    @property
    def setting_keys(self) -> list[str]:
        return [key for key in self.varying if key not in self.average_over]

    @property
    def metric_names(self) -> list[str]:
        names = {name for run in self.runs for name in run.metrics}
        # the ranking metric first, then test, validation and training metrics
        order = {"test": 0, "val": 1, "train": 2}
        rest = sorted(names - {self.metric}, key=lambda n: (order.get(n.split("/")[0], 3), n))
        return [self.metric, *rest] if self.metric in names else rest

    @property
    def headline_metrics(self) -> list[str]:
        """The metrics the markdown shows: the ranking one, the test ones and the losses."""
        return [
            n
            for n in self.metric_names
            if n == self.metric or n.startswith("test/") or n in ("val/loss", "train/loss")
        ]

    def settings(self) -> list[Setting]:
        """The settings, best mean first; one run each unless ``average_over`` varies."""
        settings = group_settings(self.runs, self.setting_keys)
        return sorted(settings, key=lambda s: _sort_key(s.mean(self.metric), self.maximize))


def compare(
    paths: Sequence[str | os.PathLike],
    metric: str = "val/loss",
    average_over: Iterable[str] = DEFAULT_AVERAGE_OVER,
) -> Comparison:
    """Reads every run under ``paths`` and ranks them by ``metric``.

    Args:
        paths: run or sweep folders.
        metric: the metric that sorts the tables, e.g. ``val/loss`` or ``test/psnr``;
            PSNR, SSIM and accuracies sort best-highest, everything else best-lowest.
        average_over: hyperparameters to average over in the settings table, when they
            vary, e.g. ``data.fold`` for cross-validation or ``seed`` for repeats.

    Raises:
        FileNotFoundError: when a path does not exist or holds no run.
    """
    runs = [read_run(path, name) for path, name in find_runs(paths)]
    maximize = higher_is_better(metric)
    runs.sort(key=lambda r: _sort_key(r.metrics.get(metric), maximize))
    varying = varying_hparams(runs)
    averaged = [key for key in average_over if key in varying]
    log.info("%d runs; varying: %s", len(runs), ", ".join(varying) or "nothing")
    return Comparison(runs, metric, averaged)


# -- tables --------------------------------------------------------------------------------


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def short_value(key: str, value: Value) -> str:
    """A hyperparameter's value for labels: class paths shortened to the class name."""
    if key.endswith("_target_") and isinstance(value, str):
        return value.rsplit(".", 1)[-1]
    return _format(value)


def run_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One row per run: name, status, varying hyperparameters, metrics, epochs, timing."""
    rows = []
    for run in comparison.runs:
        row: dict[str, Any] = {"run": run.name, "status": run.status}
        row.update({key: run.hparams.get(key) for key in comparison.varying})
        row.update({name: run.metrics.get(name) for name in comparison.metric_names})
        row["epochs"] = run.epochs
        row["s/epoch"] = run.seconds_per_epoch
        row["error"] = run.error
        rows.append(row)
    return rows


def setting_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One row per setting: its hyperparameters, run count, and per metric mean and std."""
    rows = []
    for setting in comparison.settings():
        row: dict[str, Any] = dict(setting.hparams)
        row["runs"] = len(setting.runs)
        row["completed"] = sum(r.status == "completed" for r in setting.runs)
        for name in comparison.metric_names:
            row[f"{name} mean"] = setting.mean(name)
            row[f"{name} std"] = setting.spread(name)
        seconds = [r.seconds_per_epoch for r in setting.runs if r.seconds_per_epoch]
        row["s/epoch"] = statistics.fmean(seconds) if seconds else None
        rows.append(row)
    return rows


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A GitHub markdown table of ``rows`` over ``columns``."""
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for row in rows:
        cells = [_format(row.get(c)).replace("|", "\\|") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Writes ``rows`` as CSV with a header; missing values are empty cells."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def markdown_report(comparison: Comparison) -> str:
    """The comparison as markdown: the settings table when averaging, then every run."""
    direction = "highest" if comparison.maximize else "lowest"
    parts = [f"Sorted by `{comparison.metric}`, {direction} first."]
    if comparison.average_over:
        keys = ", ".join(f"`{k}`" for k in comparison.average_over)
        parts.append(f"\n### Per setting: mean ± std over {keys}\n")
        columns = [*comparison.setting_keys, "runs", "completed"]
        rows = []
        for row in setting_rows(comparison):
            cells = {key: short_value(key, row[key]) for key in columns}
            for name in comparison.headline_metrics:
                mean, std = row[f"{name} mean"], row[f"{name} std"]
                cells[name] = (
                    None
                    if mean is None
                    else (_format(mean) + ("" if std is None else f" ± {std:.2g}"))
                )
            cells["s/epoch"] = row["s/epoch"]
            rows.append(cells)
        parts.append(markdown_table(rows, [*columns, *comparison.headline_metrics, "s/epoch"]))
        parts.append("\n### Every run\n")
    rows = run_rows(comparison)
    for row in rows:
        row.update({key: short_value(key, row[key]) for key in comparison.varying})
    columns = [
        "run",
        "status",
        *comparison.varying,
        *comparison.headline_metrics,
        "epochs",
        "s/epoch",
    ]
    if any(row["error"] for row in rows):
        columns.append("error")
    parts.append(markdown_table(rows, columns))
    return "\n".join(parts) + "\n"


# -- plots ---------------------------------------------------------------------------------


def _file_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")


def run_label(run: Run, keys: Sequence[str]) -> str:
    """A short legend label: the run's values of ``keys``, else its name."""
    parts = [
        short_value(k, run.hparams.get(k))
        if k.endswith("_target_")
        else f"{k.rsplit('.', 1)[-1]}={short_value(k, run.hparams.get(k))}"
        for k in keys
        if run.hparams.get(k) is not None
    ]
    return " ".join(parts) or run.name


LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v")


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hparam_order(run: Run, keys: Sequence[str]) -> list[tuple[int, float, str]]:
    # numbers by value, everything else by its text; missing values first
    return [
        (1, float(v), "") if _is_number(v) else (0 if v is None else 2, 0.0, str(v))
        for v in (run.hparams.get(k) for k in keys)
    ]


def curve_styles(runs: Sequence[Run], keys: Sequence[str]) -> list[dict[str, Any]]:
    """Line styles that keep many curves apart.

    The first numeric key with three or more values (a latent size, a learning rate) sets
    the colour, light to dark; every setting of the other keys (a model family) gets its
    own line style and marker. Without such a key, colours cycle through 20 hues.
    """
    shade = next(
        (
            k
            for k in keys
            if len({r.hparams.get(k) for r in runs}) >= 3
            and all(_is_number(r.hparams.get(k)) for r in runs)
        ),
        None,
    )
    others = [k for k in keys if k != shade]
    families = {repr([r.hparams.get(k) for k in others]): None for r in runs}
    family_index = {f: i for i, f in enumerate(families)}
    colormap = colormaps["viridis" if shade else "tab20"]
    shades = sorted({r.hparams[shade] for r in runs}) if shade else []
    styles = []
    for index, run in enumerate(runs):
        family = family_index[repr([run.hparams.get(k) for k in others])]
        if shade:
            color = colormap(0.9 * shades.index(run.hparams[shade]) / max(len(shades) - 1, 1))
        else:
            color = colormap(index % 20)
        styles.append(
            {
                "color": color,
                "linestyle": LINESTYLES[family % len(LINESTYLES)],
                "marker": MARKERS[family % len(MARKERS)],
            }
        )
    return styles


def plot_curves(comparison: Comparison, tag: str, path: Path) -> Path | None:
    """Plots ``tag`` per epoch for every run that logged it."""
    runs = [run for run in comparison.runs if run.curves.get(tag)]
    if not runs:
        log.warning("no run logged %s; no learning curves plotted", tag)
        return None
    # legend in the order of the hyperparameters, not of the ranking
    runs.sort(key=lambda r: _hparam_order(r, comparison.varying))
    figure = Figure(figsize=(9, 5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for run, style in zip(runs, curve_styles(runs, comparison.varying), strict=True):
        epochs, values = zip(*run.curves[tag], strict=True)
        label = run_label(run, comparison.varying)
        if run.status != "completed":
            label += f" ({run.status})"
        axes.plot(epochs, values, markersize=3, label=label, **style)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("epoch")
    axes.set_ylabel(tag)
    axes.set_title(f"{tag} per epoch, {len(runs)} runs")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0), ncols=1)
    figure.savefig(path, dpi=90)
    return path


def plot_against(comparison: Comparison, key: str, path: Path) -> Path | None:
    """Plots the ranking metric against hyperparameter ``key``, one line per setting of
    the other varying keys; means with std error bars where runs are averaged."""
    metric = comparison.metric
    present = [r for r in comparison.runs if r.hparams.get(key) is not None]
    values = {r.hparams[key] for r in present}
    if len(values) < 2:
        return None
    numeric = all(_is_number(v) for v in values)
    if numeric:
        positions = sorted(values)
    else:
        # categories in the order the sweep ran them
        in_order = sorted(present, key=lambda r: _natural_key(r.path))
        positions = list(dict.fromkeys(r.hparams[key] for r in in_order))
    others = [k for k in comparison.setting_keys if k != key]

    figure = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for line in group_settings(present, others):
        points = []
        for setting in group_settings(line.runs, [key]):
            mean = setting.mean(metric)
            if mean is not None:
                x = setting.hparams[key]
                points.append((x if numeric else positions.index(x), mean, setting.spread(metric)))
        if not points:
            continue
        points.sort()
        xs, means, spreads = zip(*points, strict=True)
        label = run_label(line.runs[0], others) if others else metric
        # categories are not joined by lines: nothing lies between them
        line = "-" if numeric else "none"
        if any(s is not None for s in spreads):
            errors = [s or 0.0 for s in spreads]
            axes.errorbar(
                xs, means, yerr=errors, marker="o", linestyle=line, capsize=3, label=label
            )
        else:
            axes.plot(xs, means, marker="o", linestyle=line, label=label)
    if numeric and min(positions) > 0 and max(positions) / min(positions) >= 16:
        axes.set_xscale("log", base=2)
        axes.set_xticks(positions, [_format(p) for p in positions])
    elif not numeric:
        axes.set_xticks(range(len(positions)), [short_value(key, p) for p in positions])
    axes.set_xlabel(key)
    axes.set_ylabel(metric + (" (mean ± std)" if comparison.average_over else ""))
    axes.set_title(f"{metric} against {key}")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.savefig(path, dpi=90)
    return path


def write_report(comparison: Comparison, out: Path, curve: str | None = None) -> list[Path]:
    """Writes the tables and plots of ``comparison`` into ``out``; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "comparison.md", out / "runs.csv"]
    written[0].write_text(markdown_report(comparison))
    write_csv(written[1], run_rows(comparison))
    if comparison.average_over:
        written.append(out / "settings.csv")
        write_csv(written[-1], setting_rows(comparison))

    tag = curve or (comparison.metric if not comparison.metric.startswith("test/") else "val/loss")
    plots = [plot_curves(comparison, tag, out / f"curves_{_file_part(tag)}.png")]
    metric = _file_part(comparison.metric)
    for key in comparison.setting_keys:
        plots.append(plot_against(comparison, key, out / f"{metric}_vs_{_file_part(key)}.png"))
    written += [p for p in plots if p is not None]
    for path in written:
        log.info("wrote %s", path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    """The ``aelab-compare`` command line."""
    parser = argparse.ArgumentParser(
        prog="aelab-compare",
        description="Tables and plots that compare aelab runs and sweeps.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="run or sweep folders")
    parser.add_argument(
        "--metric", default="val/loss", help="metric that sorts the tables (default: val/loss)"
    )
    parser.add_argument(
        "--curve", default=None, help="scalar of the learning curves (default: the metric)"
    )
    parser.add_argument(
        "--average-over",
        nargs="*",
        default=list(DEFAULT_AVERAGE_OVER),
        metavar="KEY",
        help="hyperparameters averaged over per setting (default: data.fold)",
    )
    parser.add_argument(
        "--out", default=None, help="output folder (default: PATH/compare for one PATH)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s] %(message)s")
    # TensorBoard's reader logs every event file it opens
    logging.getLogger("tensorboard").setLevel(logging.WARNING)

    comparison = compare(args.paths, args.metric, args.average_over)
    out = Path(args.out) if args.out else Path(args.paths[0]) / "compare"
    if args.out is None and len(args.paths) > 1:
        out = Path("compare")
    write_report(comparison, out, args.curve)
    print(markdown_report(comparison))


if __name__ == "__main__":
    main()
