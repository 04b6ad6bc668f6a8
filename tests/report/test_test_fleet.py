from simulator.experiment.run import run
from simulator.report.test_fleet import test_fleet_lines as fleet_lines
from simulator.report.writer import write_report


def test_report_has_the_test_fleet_table(tmp_path):
    result = run("scenarios/test-fleet.yaml")
    out = write_report(result, tmp_path / "r", plots=False)
    md = (out / "report.md").read_text()
    assert "## Test fleet" in md
    tf = result.summary["test_fleet"]
    assert f"| makespan | {tf['makespan_s']:,.0f} s |" in md
    assert f"| cost until the last batch task stopped | {tf['cost_usd']:.4f} USD |" in md


def test_no_section_without_a_test_fleet():
    assert fleet_lines({"services": {}}) == []


def test_batch_timeline_plot(tmp_path):
    result = run("scenarios/test-fleet.yaml")
    out = write_report(result, tmp_path / "r")
    assert (out / "test_fleet.png").stat().st_size > 10_000
    md = (out / "report.md").read_text()
    assert "![test_fleet](test_fleet.png)" in md
    assert "latency.png" not in md  # no services: no per-service plots
    rows = result.summary["test_fleet"]["batch_timeline"]
    assert len(rows) == 40
    assert all(r["submitted_s"] <= r["placed_s"] <= r["running_s"] <= r["ended_s"] for r in rows)
