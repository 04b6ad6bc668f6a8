import pytest

from simulator.catalog.catalog import (
    calibrate,
    cpu_factors,
    requests_per_vcpu_second,
    runtime_factors,
    workloads,
)
from simulator.core.errors import CatalogError

SEED_WORKLOADS = {
    "web-static",
    "web-dynamic",
    "grpc-proxy",
    "regex",
    "btree",
    "lsm",
    "kmeans",
    "random-forest",
    "mergesort",
    "dfs",
    "dotnet-web",
    "video-encode",
}


def test_workload_classes_have_sources():
    known = workloads()
    assert set(known) >= SEED_WORKLOADS
    assert all(w.source for w in known.values())


def test_measurements_win():
    # envoy gRPC: c7g.xlarge 46742 rps / 4 vCPU (aws-facts)
    assert requests_per_vcpu_second("grpc-proxy", "c7g") == 11686
    # ffmpeg frames per second per vCPU (vantage_bench.csv)
    assert requests_per_vcpu_second("video-encode", "m7g") == 38 / 4


def test_a_measured_ratio_applies_to_its_family():
    # NGINX on m6g: +54 % over m5 at the same size (aws-facts)
    assert requests_per_vcpu_second("web-static", "m6g") == pytest.approx(
        1.54 * requests_per_vcpu_second("web-static", "m5")
    )


def test_other_families_scale_by_coremark_per_vcpu():
    f = cpu_factors()
    ratio = f["c7i"].coremark_per_vcpu / f["m6i"].coremark_per_vcpu
    assert requests_per_vcpu_second("web-dynamic", "c7i") == pytest.approx(200 * ratio)


def test_go_1_18_gains_apply_on_arm64_only():
    assert runtime_factors()[("random-forest", "go1.18")].factor == 1.20
    arm = requests_per_vcpu_second("random-forest", "m6g", runtime="go1.18")
    assert arm == pytest.approx(1.20 * requests_per_vcpu_second("random-forest", "m6g"))
    x86 = requests_per_vcpu_second("random-forest", "m6i", runtime="go1.18")
    assert x86 == requests_per_vcpu_second("random-forest", "m6i")


def test_calibrate_from_two_measurements():
    p = calibrate("api", ("m6i.xlarge", 1800), ("m7g.xlarge", 2300))
    assert p.per_vcpu == {"m6i": 450.0, "m7g": 575.0}
    assert requests_per_vcpu_second("api", "m7g", profiles={"api": p}) == 575.0
    # an unmeasured Graviton family scales from the measured Graviton one
    f = cpu_factors()
    expected = 575.0 * f["c6g"].coremark_per_vcpu / f["m7g"].coremark_per_vcpu
    assert p.rate("c6g") == pytest.approx(expected)
    with pytest.raises(CatalogError, match="expected requests per second > 0"):
        calibrate("api", ("m6i.xlarge", 0))
