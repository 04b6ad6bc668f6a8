"""Dedicated Host types: every documented capacity count comes out of one rule."""

import pytest

from simulator.catalog.catalog import instance_type, instance_types
from simulator.catalog.hosts import host_type, host_types, instances_per_host
from simulator.core.errors import CatalogError


def per_host(name: str) -> int:
    t = instance_type(name)
    return instances_per_host(t.family, t.vcpu, t.name.split(".", 1)[1])


def test_every_catalog_family_has_a_host_type():
    families = {t.family for t in instance_types().values()}
    assert families <= set(host_types())
    assert families == {
        "m5", "m6i", "m7i", "m6g", "m7g", "c5", "c6i", "c7i",
        "c6g", "c7g", "r6i", "r6g", "t3", "t4g", "mac1", "mac2",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("m6i.xlarge", 32),  # seed post
        ("m6i.8xlarge", 4),  # seed post
        ("m6i.metal", 1),  # seed post
        ("m5.4xlarge", 6),  # EC2 User Guide: 48 cores / 8 cores per instance
        ("t3.nano", 192),  # EC2 User Guide, T3 Dedicated Hosts table
        ("t3.micro", 192),
        ("t3.small", 192),
        ("t3.medium", 192),
        ("t3.large", 96),
        ("t3.xlarge", 48),
        ("t3.2xlarge", 24),
        ("mac1.metal", 1),  # one Mac instance per host
        ("mac2.metal", 1),
    ],
)
def test_documented_instances_per_host(name, count):
    assert per_host(name) == count


def test_r5_size_limit_caps_what_vcpus_would_allow():
    # EC2 User Guide: an R5 host supports up to 2 r5.8xlarge (32 vCPU each), though
    # 96 vCPUs would hold 3.
    assert instances_per_host("r5", 32, "8xlarge") == 2
    assert instances_per_host("r5", 32) == 3
    assert instances_per_host("r5", 16, "4xlarge") == 6


def test_every_instance_type_fits_its_host():
    for t in instance_types().values():
        assert per_host(t.name) >= 1, t.name


def test_metal_sizes_fill_a_whole_host():
    for t in instance_types().values():
        if t.name.endswith(".metal") or t.name.endswith(".metal-48xl"):
            assert host_type(t.family).capacity_units == t.vcpu, t.name


def test_topology():
    m6i = host_type("m6i")
    assert (m6i.sockets, m6i.physical_cores, m6i.vcpus) == (2, 64, 128)  # seed post
    assert host_type("m5").physical_cores == 48
    assert host_type("c7i").vcpus == 192
    for fam in ("m6g", "m7g", "c6g", "c7g", "r6g"):  # a Graviton vCPU is a physical core
        ht = host_type(fam)
        assert ht.vcpus == ht.physical_cores == 64, fam
    for fam in ("m5", "m6i", "m7i", "c5", "c6i", "c7i", "r6i", "t3"):
        ht = host_type(fam)
        assert ht.vcpus == 2 * ht.physical_cores, fam


def test_mixed_size_families_are_the_documented_ones():
    mixed = {f for f, ht in host_types().items() if ht.mixed_sizes}
    assert mixed == {"m5", "c5", "r5", "t3"}  # of A1, C5, M5, R5, C5n, M5n, R5n, T3


def test_prices():
    assert host_type("mac1").price_per_hour == pytest.approx(1.083)
    assert host_type("mac2").price_per_hour == pytest.approx(0.65)
    assert not host_type("mac1").price_is_estimate
    for fam in ("m5", "m6i", "m7i", "m6g", "c6g", "r6i"):
        ht = host_type(fam)
        metal = max(
            (t for t in instance_types().values() if t.family == fam and "metal" in t.name),
            key=lambda t: t.vcpu,
        )
        assert ht.price_is_estimate
        assert ht.price_per_hour == pytest.approx(1.10 * metal.price_per_hour, abs=1e-3)
        assert "estimate" in ht.source


def test_every_row_cites_a_source_and_marks_assumptions():
    for ht in host_types().values():
        assert len(ht.source) > 20, ht.family
    assert "assumed" in host_type("t4g").source
    assert "assumed" in host_type("m7i").source  # sockets


def test_mac_flags_and_host_recovery_support():
    assert host_type("mac1").is_mac and not host_type("mac1").apple_silicon
    assert host_type("mac2").is_mac and host_type("mac2").apple_silicon
    assert not host_type("m6i").is_mac
    assert host_type("m6i").host_recovery_supported  # EC2 User Guide 2023 list
    assert not host_type("mac1").host_recovery_supported
    assert not host_type("m7g").host_recovery_supported


def test_unknown_family_suggests_close_names():
    with pytest.raises(CatalogError) as e:
        host_type("m6")
    assert "did you mean" in str(e.value)
    assert "m6i" in str(e.value) or "m6g" in str(e.value)


def test_bad_vcpu_is_refused():
    with pytest.raises(ValueError):
        host_type("m5").units_per_instance(0)


def test_host_types_are_cached():
    assert host_types() is host_types()
