"""Every instance type EC2 describes is in the catalog; curated rows keep their prices."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.catalog import ec2_types
from simulator.catalog.catalog import every_instance_type, instance_type, instance_types
from simulator.core.errors import CatalogError
from simulator.ecs.facts import eni_limit
from simulator.lifecycle.billing import _catalog_instance_price

RETIRED = {
    "cc2.8xlarge", "cg1.4xlarge", "cr1.8xlarge", "hi1.4xlarge", "hs1.8xlarge",
    "dl1.24xlarge", "f1.2xlarge", "f1.4xlarge", "f1.16xlarge", "g2.2xlarge", "g2.8xlarge",
    "g3.4xlarge", "g3.8xlarge", "g3.16xlarge", "g3s.xlarge", "g4ad.xlarge", "g4ad.2xlarge",
    "g4ad.4xlarge", "g4ad.8xlarge", "g4ad.16xlarge", "i3.metal", "p2.xlarge", "p2.8xlarge",
    "p2.16xlarge", "p3.2xlarge", "p3.8xlarge", "p3.16xlarge", "u-6tb1.metal", "u-9tb1.metal",
    "u-12tb1.metal", "u-18tb1.metal", "u-24tb1.metal", "u-9tb1.112xlarge",
    "u-12tb1.112xlarge", "u-18tb1.112xlarge", "u-24tb1.112xlarge",
}  # fmt: skip
"""botocore enum names moto 5.2.5's data dropped, described from older moto commits."""

DESCRIBED = sorted(ec2_types.descriptions())


def test_every_enum_type_with_a_source_is_described() -> None:
    enum = set(ec2_types.enum_types())
    described = set(ec2_types.descriptions())
    assert described <= enum
    assert enum - described == ec2_types.UNSOURCED
    assert len(ec2_types.UNSOURCED) == 4
    assert set(every_instance_type()) == described
    for name in RETIRED:
        assert "getmoto/moto" in ec2_types.source_of(name) and "commit" in ec2_types.source_of(name)
        assert instance_type(name).price_per_hour is None


def test_retired_types_carry_their_records_figures() -> None:
    p2 = instance_type("p2.xlarge")
    assert (p2.vcpu, p2.memory_mib, p2.arch, p2.max_enis) == (4, 62464, "x86_64", 4)
    cg1 = instance_type("cg1.4xlarge")
    assert (cg1.vcpu, cg1.memory_mib, cg1.max_enis) == (16, 23040, 8)
    big = ec2_types.description("u-24tb1.metal")
    assert big is not None and big["NetworkInfo"]["MaximumNetworkInterfaces"] == 15
    assert big["MemoryInfo"]["SizeInMiB"] == 24576 * 1024
    assert eni_limit("hs1.8xlarge").max_enis == 8


def test_documented_types_carry_aws_spec_figures_and_name_them() -> None:
    gb200 = instance_type("p6e-gb200.36xlarge")
    assert (gb200.vcpu, gb200.memory_mib, gb200.arch, gb200.max_enis) == (
        144,
        960 * 1024,
        "arm64",
        39,
    )
    assert gb200.price_per_hour is None and "no price" in gb200.source
    assert "instancetypes/ac.html" in ec2_types.source_of("p6e-gb200.36xlarge")
    u7inh = instance_type("u7inh-32tb.480xlarge")
    assert (u7inh.vcpu, u7inh.memory_mib, u7inh.arch, u7inh.max_enis) == (
        1920,
        32768 * 1024,
        "x86_64",
        16,
    )
    assert "sap-hana-aws-ec2" in ec2_types.source_of("u7inh-32tb.480xlarge")
    assert eni_limit("p6e-gb200.36xlarge").max_enis == 39
    assert "moto 5.2.5" in ec2_types.source_of("m5.large")


def test_curated_rows_are_unchanged_and_agree_with_ec2() -> None:
    curated = instance_types()
    assert len(curated) == 131
    for name, t in curated.items():
        record = ec2_types.description(name)
        assert record is not None, name
        assert t.vcpu == record["VCpuInfo"]["DefaultVCpus"], name
        assert t.memory_mib == record["MemoryInfo"]["SizeInMiB"], name
        assert every_instance_type()[name] is t
    assert instance_type("m6g.xlarge").price_per_hour == pytest.approx(0.154)


def test_older_types_are_known_without_a_price() -> None:
    small = instance_type("m1.small")
    assert (small.vcpu, small.memory_mib, small.arch, small.family) == (1, 1740, "x86_64", "m1")
    assert small.price_per_hour is None and not small.priced and not small.host_only
    assert "no price" in small.source
    a1 = instance_type("a1.large")
    assert (a1.arch, a1.vcpu, a1.max_enis) == ("arm64", 2, 3)


def test_an_unpriced_type_is_never_billed_at_zero() -> None:
    with pytest.raises(CatalogError, match="no price for instance type t2.micro"):
        _catalog_instance_price("t2.micro")
    assert _catalog_instance_price("m5.large") == pytest.approx(0.096)
    assert _catalog_instance_price("mac1.metal") == 0.0, "billed by its host"


def test_retired_names_are_unknown_with_suggestions() -> None:
    with pytest.raises(CatalogError, match="unknown instance type 'cc1.4xlarge'"):
        instance_type("cc1.4xlarge")


@given(st.sampled_from(DESCRIBED))
def test_every_described_type_has_facts_from_its_record(name: str) -> None:
    t = instance_type(name)
    record = ec2_types.description(name)
    assert record is not None
    assert t.vcpu == record["VCpuInfo"]["DefaultVCpus"] > 0
    assert t.memory_mib == record["MemoryInfo"]["SizeInMiB"] > 0
    assert t.arch in ("x86_64", "arm64")
    assert t.source
    assert eni_limit(name).max_enis == record["NetworkInfo"]["MaximumNetworkInterfaces"]
