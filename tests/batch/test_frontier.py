import yaml
from hypothesis import given
from hypothesis import strategies as st

from simulator.batch.frontier import fleet_frontier, label, main, pareto
from simulator.scenario.loader import validate_scenario
from tests.batch.test_fleet import EC2

pairs = st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=30)


@given(pairs)
def test_pareto_keeps_exactly_the_undominated(points):
    front = pareto(points)
    kept = [p for p, f in zip(points, front, strict=True) if f]
    if points:
        assert kept  # a finite set always has an undominated point
        assert min(points) in kept  # the fastest, cheapest among the fastest
    for p, f in zip(points, front, strict=True):
        better = [q for q in points if q[0] <= p[0] and q[1] <= p[1] and q != p]
        assert f == (not better)


def test_label():
    assert label({"test_fleet.batches": 4, "a.instance_types": ["c6g.large"]}) == (
        "batches=4 instance_types=c6g.large"
    )
    assert label({}) == "base"


def test_more_batches_finish_sooner_on_the_frontier(tmp_path):
    data = yaml.safe_load(EC2)
    data["capacity"]["count"] = 8
    data["sweep"] = {"grid": {"test_fleet.batches": [2, 4, 8]}}
    df = fleet_frontier(validate_scenario(data))
    assert list(df["point"]) == ["batches=2", "batches=4", "batches=8"]
    spans = list(df["makespan_s"])
    assert spans[0] > spans[1] > spans[2]  # room for every batch: more batches, sooner
    assert df["on_frontier"].iloc[2]  # the fastest is never dominated


def test_main_writes_table_and_plot(tmp_path, capsys):
    assert main(["scenarios/test-fleet.yaml", str(tmp_path / "f")]) == 0
    md = (tmp_path / "f" / "frontier.md").read_text()
    assert md.count("| batches=") == 8 and "yes |" in md
    assert (tmp_path / "f" / "frontier.png").stat().st_size > 10_000
    assert main(["missing.yaml", str(tmp_path / "g")]) == 2
    assert "missing.yaml" in capsys.readouterr().err
