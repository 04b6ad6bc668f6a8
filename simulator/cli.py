"""The ``ecsim`` command: validate and run scenario files.

Bad input exits with code 2 and one line per problem on stderr; no traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulator.core.durations import format_duration, parse_duration
from simulator.core.errors import EcsimError, ScenarioError
from simulator.core.text import printable

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="ecsim: simulate ECS fleets on EC2, Dedicated Hosts and Fargate.",
)
# emoji=False: a name holding ":x:" is printed as written, not as an emoji
out_console = Console(soft_wrap=True, emoji=False)
if not out_console.is_terminal:  # piped or captured: don't squeeze tables into 80 columns
    out_console = Console(soft_wrap=True, width=160, emoji=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

USAGE_ERROR = 2
TRACES_ANYWHERE_HELP = "Read traffic trace files outside the scenario file's directory."
ALLOW_LARGE_HELP = "Lift the simulation's cost limits (ticks, metric rows, requests, duration)."


def _fail(lines: list[str], code: int = USAGE_ERROR) -> typer.Exit:
    for line in lines:  # control characters escaped: one problem, one line
        err_console.print(printable(line), markup=False)
    return typer.Exit(code)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    traces_anywhere: Annotated[bool, typer.Option(help=TRACES_ANYWHERE_HELP)] = False,
    allow_large: Annotated[bool, typer.Option(help=ALLOW_LARGE_HELP)] = False,
) -> None:
    """Check scenario files; print one line per problem (exit 2 if any), or the run's
    estimated size."""
    from simulator.scenario.limits import estimate
    from simulator.scenario.loader import load_scenario

    problems: list[str] = []
    for f in files:
        try:
            s = load_scenario(f, traces_anywhere=traces_anywhere, allow_large=allow_large)
            out_console.print(printable(f"{f}: ok ({estimate(s)})"), markup=False)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise _fail(problems)


class _LazyProgress:
    """A progress bar of simulated time that appears only once a run takes > ~1 s; without
    a terminal on stderr, a plain line every ``every`` seconds instead."""

    def __init__(self, quiet: bool, delay: float = 1.0, every: float = 10.0, note: str = ""):
        self.quiet = quiet
        self.delay = delay
        self.every = every
        self.note = note
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.plain = not err_console.is_terminal
        self.last_line: float | None = None

    def __call__(self, now: float, total: float) -> None:
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        if elapsed < self.delay:
            return
        if self.plain:
            if self.last_line is None or elapsed - self.last_line >= self.every:
                self.last_line = elapsed
                pct = 100.0 * now / total if total else 100.0
                line = (
                    f"simulating: {format_duration(round(now))} / {format_duration(total)} "
                    f"({pct:.0f} %), {elapsed:.0f} s elapsed"
                )
                if self.note:
                    line += f" ({self.note})"
                err_console.print(line, markup=False)
            return
        if self.bar is None:
            self.bar = Progress(
                TextColumn("simulating"),
                BarColumn(),
                TextColumn("{task.fields[done]} / {task.fields[total_text]}"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(
                "run", total=total, done="", total_text=format_duration(total)
            )
        if self.task is not None:
            self.bar.update(self.task, completed=now, done=format_duration(round(now)))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Report directory (default: out/<scenario name>).")
    ] = None,
    duration: Annotated[
        str | None, typer.Option(help="Override the duration, e.g. 6h or 30d.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no table.")] = False,
    force: Annotated[
        bool, typer.Option(help="Replace an existing report directory (only an ecsim report).")
    ] = False,
    traces_anywhere: Annotated[bool, typer.Option(help=TRACES_ANYWHERE_HELP)] = False,
    allow_large: Annotated[bool, typer.Option(help=ALLOW_LARGE_HELP)] = False,
    replications: Annotated[
        int, typer.Option(help="Runs with seeds derived from the seed; > 1: intervals.")
    ] = 1,
    variant: Annotated[str | None, typer.Option(help="Run only this variant.")] = None,
    format: Annotated[
        str, typer.Option("--format", help="Printed summary: table, json or csv.")
    ] = "table",
    executor: Annotated[
        str, typer.Option(help="With --replications: serial, processes or dask.")
    ] = "serial",
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
) -> None:
    """Run a scenario and write its report (report.md, plots, Parquet, summary.json)."""
    from simulator.cli_experiments import check_format, print_summary_as, run_experiment
    from simulator.experiment.run import run as run_scenario
    from simulator.experiment.run import run_variants
    from simulator.report.writer import reserve, write_report, write_variants_report
    from simulator.scenario.limits import estimate
    from simulator.scenario.loader import load_scenario

    try:
        check_format(format)
        if replications != 1:
            run_experiment(
                file, None, replications, seed, duration, [variant] if variant else None,
                out, executor, workers, scheduler, quiet, format, force=force,
                kind="replications",
            )  # fmt: skip
            return
        scenario = load_scenario(
            file,
            overrides=_run_overrides(duration, seed),
            traces_anywhere=traces_anywhere,
            allow_large=allow_large,
        )
        if variant is not None:
            from simulator.scenario.variants import variant as variant_of

            scenario = variant_of(scenario, variant, str(file))
        target = out if out is not None else Path("out") / scenario.name
        if _run_deployment_comparison(scenario, target, force, quiet, format):
            return
        with reserve(target, force):
            progress = _LazyProgress(quiet, note=f"estimate: {estimate(scenario)}")
            try:
                if scenario.variants:
                    results = run_variants(scenario, seed=seed, progress=progress)
                else:
                    result = run_scenario(scenario, seed=seed, progress=progress)
            finally:
                progress.close()
            outputs = {
                "plots": scenario.outputs.plots,
                "trace_jsonl": scenario.outputs.trace_jsonl,
            }
            if scenario.variants:
                write_variants_report(results, target, force, **outputs)
            else:
                write_report(result, target, force, **outputs)
    except ScenarioError as exc:
        raise _fail(exc.problems) from None
    except EcsimError as exc:
        raise _fail([f"error: {exc}"]) from None
    except KeyboardInterrupt:
        raise _fail(["interrupted: no report written"], code=130) from None
    if format != "table":
        print_summary_as(
            {n: r.summary for n, r in results.items()} if scenario.variants else result.summary,
            format,
            bool(scenario.variants),
        )
        return
    if quiet:
        return
    if scenario.variants:
        _print_variants({name: r.summary for name, r in results.items()}, target)
    else:
        _print_summary(result.summary, target)


def _run_deployment_comparison(
    scenario: object, target: Path, force: bool, quiet: bool, format: str
) -> bool:
    """A scenario whose deploy events name traffic-shifting strategies runs each one on the
    blue/green stack (simulator.experiment.deployment_choice) and writes the comparison
    report; False for every other scenario."""
    from simulator.experiment import deployment_choice as choice
    from simulator.report.deployments import HEADER, SUMMARY_KEY, table_rows

    if not getattr(scenario, "shifts_traffic", False):
        return False
    runs = choice.scenario_runs(scenario)
    views = [choice.run_strategy(strategy, setup) for strategy, setup in runs]
    choice.write_choice_report(views, target, force)
    summary = {SUMMARY_KEY: [v.metrics.as_dict() for v in views]}
    if format == "json":
        print(json.dumps(summary, indent=2, sort_keys=True))
    elif format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(HEADER)
        writer.writerows(table_rows(summary[SUMMARY_KEY]))
    elif not quiet:
        for row in table_rows(summary[SUMMARY_KEY]):
            print("  ".join(row))
        print(f"report: {target / 'report.md'}")
    return True


def _run_overrides(duration: str | None, seed: int | None) -> dict[str, object]:
    """--duration and --seed, checked here and applied before validation (so every check,
    the variants' too, sees them and names the file)."""
    problems = []
    overrides: dict[str, object] = {}
    if duration is not None:
        try:
            seconds = parse_duration(duration)
        except EcsimError as exc:
            problems.append(f"--duration: {exc}")
        else:
            if seconds <= 0:
                problems.append(f"--duration: expected a duration > 0, got {duration!r}")
            overrides["duration"] = seconds
    if seed is not None and not 0 <= seed < 2**63:
        problems.append(f"--seed: expected an integer from 0 to 2**63 - 1, got {seed}")
    if problems:
        raise ScenarioError(problems)
    return overrides


def _print_variants(summaries: dict[str, dict], target: Path) -> None:
    from simulator.report.compare import table as compare_table

    first = next(iter(summaries.values()))
    table = Table(title=f"{first['scenario'].split('@')[0]} variants (seed {first['seed']})")
    header, rows = compare_table(summaries)
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i < 2 else "right")
    for row in rows:
        table.add_row(*row)
    out_console.print(table)
    out_console.print(f"report: {target / 'report.md'}", markup=False)


@app.command()
def states(
    machine: Annotated[
        str, typer.Argument(help="instance, host, task, codedeploy or ecs-deployment")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="png, dot or mermaid")] = "mermaid",
    out: Annotated[
        Path | None, typer.Option(help="Write to this file (png needs it; default stdout).")
    ] = None,
) -> None:
    """Draw a state machine (EC2 instance, Dedicated Host, ECS task, CodeDeploy or ECS
    deployment) from its transition table."""
    from simulator.report import diagrams

    problems = []
    if machine not in diagrams.MACHINES:
        problems.append(f"machine: expected one of {', '.join(diagrams.MACHINES)}, got {machine!r}")
    if format not in diagrams.FORMATS:
        problems.append(f"--format: expected one of {', '.join(diagrams.FORMATS)}, got {format!r}")
    if format == "png" and out is None:
        problems.append("--out: a png needs an output file")
    if problems:
        raise _fail(problems)
    if format == "png" and out is not None:
        diagrams.to_png(diagrams.graph(machine), out, diagrams.TITLES[machine])
        out_console.print(f"wrote {out}", markup=False)
        return
    text = diagrams.render(machine, format)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        out_console.print(f"wrote {out}", markup=False)


FINDINGS = 1


@app.command()
def lint(
    files: Annotated[list[Path], typer.Argument(help="Task definition JSON files.")],
    format: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """Check task definitions against the Security Hub ECS controls (privileged, root
    user, host network, writable root file system, secrets in environment variables...);
    exit 1 if anything is found, 2 if a file cannot be read."""
    import json

    from simulator.lint.taskdef import TaskDefinitionShapeError
    from simulator.lint.taskdef import lint as lint_taskdef
    from simulator.scenario.loader import read_text

    if format not in ("table", "json"):
        raise _fail([f"--format: expected table or json, got {format!r}"])
    problems: list[str] = []
    results: dict[str, list] = {}
    for f in files:
        try:
            doc = json.loads(read_text(f, what="task definition file"))
            results[str(f)] = lint_taskdef(doc)
        except ScenarioError as exc:
            problems += exc.problems
        except json.JSONDecodeError as exc:
            problems.append(f"{f}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
        except TaskDefinitionShapeError as exc:
            problems.append(f"{f}: {exc}")
    if problems:
        raise _fail(problems)
    if format == "json":
        payload = {name: [x.to_dict() for x in found] for name, found in results.items()}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        for name, found in results.items():
            if not found:
                out_console.print(printable(f"{name}: no findings"), markup=False)
                continue
            table = Table(title=printable(f"{name}: {len(found)} finding(s)"))
            for h in ("severity", "control", "path", "finding"):
                table.add_column(h)
            for x in found:
                control = x.control.id or "best practice"
                table.add_row(x.severity, control, printable(x.path), printable(x.message))
            out_console.print(table)
        cited = sorted(
            {x.control.id: x.control for fs in results.values() for x in fs}.items(),
            key=lambda kv: (not kv[0], int(kv[0].split(".")[1]) if kv[0] else 0),
        )
        for cid, control in cited:
            label = cid or "best practice"
            out_console.print(f"{label}: {control.title} ({control.reference})", markup=False)
    if any(results.values()):
        raise typer.Exit(FINDINGS)


def _print_summary(summary: dict, target: Path) -> None:
    from simulator.report.writer import SUMMARY_HEADER, capacity_line, cost_line, summary_rows

    table = Table(title=f"{summary['scenario']} (seed {summary['seed']})")
    for i, h in enumerate(SUMMARY_HEADER):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in summary_rows(summary):
        table.add_row(*row)
    out_console.print(table)
    out_console.print(capacity_line(summary), markup=False)
    out_console.print(cost_line(summary), markup=False)
    out_console.print(f"report: {target / 'report.md'}", markup=False)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out_console.print(f"ecsim {version('ecsim')}", markup=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """ecsim: simulate ECS fleets on EC2, Dedicated Hosts and Fargate."""


def _register_experiments() -> None:
    from simulator.cli_experiments import register

    register(app)


_register_experiments()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
