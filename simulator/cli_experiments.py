"""The ``ecsim`` commands for experiments: sweep, compare, init, and replications of run.

Registered on the app of ``simulator.cli``; errors exit 2 with one line per problem.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from simulator.core.errors import EcsimError, ScenarioError

FORMATS = ("table", "json", "csv")


def _cli() -> Any:
    from simulator import cli

    return cli


def _fail(lines: list[str], code: int = 2) -> typer.Exit:
    return _cli()._fail(lines, code)


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the ``ecsim`` app."""
    app.command()(sweep)
    app.command()(compare)
    app.command()(init)


class RunsProgress:
    """One bar over all runs of an experiment, with an ETA (hidden when quiet)."""

    def __init__(self, quiet: bool, label: str = "runs"):
        self.quiet = quiet
        self.label = label
        self.bar: Progress | None = None
        self.task: Any = None
        self.first: int | None = None
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            self.first = done
            self.bar = Progress(
                TextColumn(self.label),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("elapsed"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=_cli().err_console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total, completed=done)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def print_summary_as(summary: dict[str, Any], fmt: str, variants: bool) -> None:
    """``ecsim run --format json|csv``: the whole summary as JSON, or its table as CSV."""
    if fmt == "json":
        sys.stdout.write(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        return
    if variants:
        from simulator.report.compare import table

        header, rows = table(summary)
    else:
        from simulator.report.writer import SUMMARY_HEADER, summary_rows

        header, rows = SUMMARY_HEADER, summary_rows(summary)
    print_rows(list(header), [list(r) for r in rows], "csv", "")


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ScenarioError([f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}"])


def print_rows(header: list[str], rows: list[list[str]], fmt: str, title: str) -> None:
    """A table (rich), or CSV / JSON records on stdout."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        sys.stdout.write(buf.getvalue())
    elif fmt == "json":
        sys.stdout.write(json.dumps([dict(zip(header, r, strict=True)) for r in rows], indent=2))
        sys.stdout.write("\n")
    else:
        table = Table(title=title)
        for i, h in enumerate(header):
            table.add_column(h, justify="right" if i >= 1 else "left", overflow="fold")
        for r in rows:
            table.add_row(*r)
        _cli().out_console.print(table)


def run_experiment(
    file: Path,
    sets: list[str] | None,
    replications: int | None,
    seed: int | None,
    duration: str | None,
    variants: list[str] | None,
    out: Path | None,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    fmt: str,
    plots: bool = True,
    force: bool = False,
    kind: str = "sweep",
) -> None:
    """Plan, run (resuming from out/runs), write the report and print the table."""
    from simulator.core.durations import parse_duration
    from simulator.experiment.executors import make_executor
    from simulator.experiment.replications import RunStore
    from simulator.experiment.sweep import plan_sweep, run_sweep
    from simulator.report.sweep import summary_table, write_sweep_report
    from simulator.scenario.loader import load_scenario
    from simulator.scenario.sweep_points import sweep_of

    check_format(fmt)
    scenario = load_scenario(file)
    if duration is not None:
        try:
            parse_duration(duration)
        except EcsimError as exc:
            raise ScenarioError([f"--duration: {exc}"]) from None
    points, reps = sweep_of(scenario, sets if kind == "sweep" else None)
    if kind != "sweep":
        points = [{}]
    if replications is not None:
        if replications < 1:
            raise ScenarioError([f"--replications: expected an integer >= 1, got {replications}"])
        reps = replications
    plan = plan_sweep(scenario, points, reps, seed, duration, variants, str(file))
    target = out if out is not None else Path("out") / f"{scenario.name}-{kind}"
    _check_target(target, force)
    store = RunStore(target / "runs")
    progress = RunsProgress(quiet)
    ex = make_executor(executor, workers, scheduler)
    try:
        result = run_sweep(plan, store, ex, progress)
    except KeyboardInterrupt:
        progress.close()
        stored = sum(1 for t in plan.tasks if store.has(t.key))
        raise _fail(
            [
                f"interrupted: {stored} of {len(plan.tasks)} runs stored in {store.directory}; "
                "run the same command again to do only the missing runs"
            ],
            code=130,
        ) from None
    finally:
        progress.close()
        ex.close()
    write_sweep_report(result, target, plots=plots)
    header, rows = summary_table(result)
    if quiet and fmt == "table":
        return
    reused = len(result.records) - result.executed
    title = (
        f"{plan.scenario}: {len(plan.points)} point(s) x {len(plan.variants)} variant(s) x "
        f"{plan.replications} replication(s), 95 % intervals"
    )
    print_rows(header, rows, fmt, title)
    if fmt == "table":
        _cli().out_console.print(
            f"{result.executed} run(s) done, {reused} reused from {store.directory}; "
            f"report: {target / 'report.md'}",
            markup=False,
        )


def _check_target(target: Path, force: bool) -> None:
    """A sweep directory resumes; anything else already there is not overwritten."""
    import shutil

    if not target.exists() or (target / "sweep.json").exists() or (target / "runs").is_dir():
        return
    if not target.is_dir() or any(target.iterdir()):
        if not force:
            raise EcsimError(
                f"{target}: exists and is not a sweep's output directory; use --force to replace it"
            )
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()


Sets = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="FIELD.PATH=V1,V2,... over any scenario field (repeat for a grid).",
    ),
]


def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    set_: Sets = None,
    replications: Annotated[
        int | None, typer.Option(help="Runs per point (default: sweep.replications or 1).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    duration: Annotated[
        str | None, typer.Option(help="Override the duration, e.g. 6h or 30d.")
    ] = None,
    variant: Annotated[
        list[str] | None, typer.Option("--variant", help="Run only this variant (repeatable).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default: out/<scenario>-sweep).")
    ] = None,
    executor: Annotated[str, typer.Option(help="serial, processes or dask.")] = "serial",
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (processes, dask LocalCluster).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: local)."),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no table.")] = False,
    force: Annotated[bool, typer.Option(help="Replace a non-sweep directory at --out.")] = False,
) -> None:
    """Run a grid of points x variants x replications; resume what is already done."""
    try:
        run_experiment(
            file, set_, replications, seed, duration, variant, out, executor, workers,
            scheduler, quiet, format, force=force,
        )  # fmt: skip
    except ScenarioError as exc:
        raise _fail(exc.problems) from None
    except EcsimError as exc:
        raise _fail([f"error: {exc}"]) from None


def compare(
    a: Annotated[Path, typer.Argument(help="A finished report directory (the reference).")],
    b: Annotated[Path, typer.Argument(help="Another finished report directory.")],
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Compare two finished reports: each headline number of B against A, with intervals."""
    from simulator.report.compare_outputs import compare_outputs

    try:
        check_format(format)
        header, rows, note = compare_outputs(a, b)
    except ScenarioError as exc:
        raise _fail(exc.problems) from None
    except EcsimError as exc:
        raise _fail([f"error: {exc}"]) from None
    print_rows(header, rows, format, f"{b} against {a}")
    if format == "table":
        _cli().out_console.print(note, markup=False)


def init(
    file: Annotated[
        Path | None, typer.Argument(help="Where to write (default: scenario.yaml).")
    ] = None,
    example: Annotated[
        str | None, typer.Option(help="Copy a bundled example (e.g. capacity-plan).")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the bundled examples.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Write a commented starter scenario, or one of the bundled examples."""
    from simulator.examples import example_names, example_text, starter_text

    if list_:
        for name in example_names():
            _cli().out_console.print(name, markup=False)
        return
    if example is not None:
        names = example_names()
        if example not in names:
            raise _fail([f"--example: no example {example!r} (known: {', '.join(names)})"])
        text = example_text(example)
        target = file or Path(f"{example}.yaml")
    else:
        text = starter_text()
        target = file or Path("scenario.yaml")
    if target.exists() and not force:
        raise _fail([f"{target}: exists; use --force to replace it"])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    _cli().out_console.print(f"wrote {target}; run it with: ecsim run {target}", markup=False)
