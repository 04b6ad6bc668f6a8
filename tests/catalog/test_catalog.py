import csv
from pathlib import Path

import pytest

from simulator.catalog import instance_type, instance_types, requests_per_vcpu_second
from simulator.catalog.catalog import cpu_factors
from simulator.core.errors import CatalogError

REFERENCE = Path(__file__).parents[3] / "shared" / "reference" / "ec2_catalog_us_east_1.csv"


def test_every_instance_type_is_there_with_a_source():
    types = instance_types()
    assert len(types) == 131
    assert all(t.source for t in types.values())
    m6g = instance_type("m6g.xlarge")
    assert (m6g.vcpu, m6g.memory_mib, m6g.arch, m6g.family) == (4, 16384, "arm64", "m6g")
    assert m6g.price_per_hour == pytest.approx(0.154)


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference data not beside the repository")
def test_matches_the_reference_csv():
    for row in csv.DictReader(REFERENCE.open()):
        t = instance_type(row["instance_type"])
        assert t.vcpu == int(row["vcpu"])
        assert t.memory_mib == round(float(row["memory_gib"]) * 1024)


def test_unknown_type_suggests_close_names():
    with pytest.raises(CatalogError, match=r"did you mean: m6g\.xlarge"):
        instance_type("m6g.xlrge")


def test_every_family_has_a_cpu_factor():
    families = {t.family for t in instance_types().values()}
    assert families <= set(cpu_factors())


def test_measured_throughput_wins_over_scaling():
    assert requests_per_vcpu_second("grpc-proxy", "c7g") == 11686
    # no measurement for m7g: scaled from the c6i reference by CoreMark per vCPU
    scaled = requests_per_vcpu_second("grpc-proxy", "m7g")
    assert scaled == pytest.approx(10211 * 25767 / 17578)


def test_graviton_is_cheaper_per_vcpu():
    x86 = instance_type("m6i.xlarge").price_per_hour / 4
    arm = instance_type("m6g.xlarge").price_per_hour / 4
    assert 0.15 < 1 - arm / x86 < 0.25
