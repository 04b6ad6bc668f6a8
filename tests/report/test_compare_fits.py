"""The variants table and panels fit the question: host columns only with hosts."""

from pathlib import Path

from simulator.experiment import run_variants
from simulator.report.compare import table
from simulator.report.writer import write_variants_report
from simulator.scenario.loader import load_scenario, parse_scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def graviton_what_if():
    text = (SCENARIOS / "quickstart.yaml").read_text()
    return parse_scenario(
        text + "variants:\n  x86: {}\n  graviton:\n    capacity.instance_type: m7g.xlarge\n"
    )


def test_shared_tenancy_variants_show_latency_cpu_and_cost_but_no_hosts(tmp_path):
    results = run_variants(graviton_what_if(), duration="2h")
    header, rows = table({n: r.summary for n, r in results.items()})
    assert header[:4] == ("variant", "p99 ms", "CPU % max", "errors %")
    assert "monthly USD" in header and "cost USD" in header
    assert not any("host" in h or "healthy" in h for h in header)
    by = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert float(by["graviton"]["CPU % max"]) < float(by["x86"]["CPU % max"])
    out = write_variants_report(results, tmp_path / "r")
    assert (out / "variants.png").exists()
    assert "host failures" not in (out / "report.md").read_text()


def test_dedicated_host_variants_keep_the_host_columns():
    s = load_scenario(SCENARIOS / "dedicated-host-recovery.yaml")
    results = run_variants(s, duration="3d")
    header, _ = table({n: r.summary for n, r in results.items()})
    assert {"host failures", "capacity lost inst-h", "fewest healthy"} <= set(header)
