"""The EC2 instance-type catalog and the per-workload throughput profiles.

Facts live in ``catalog/data/*.csv``, each row with its source; this module only reads
them. Unknown names raise CatalogError with the closest known names.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from simulator.catalog import ec2_types
from simulator.core.errors import CatalogError


@dataclass(frozen=True, slots=True)
class InstanceType:
    name: str
    family: str
    arch: str  # "x86_64" | "arm64"
    vcpu: int
    memory_mib: int
    price_per_hour: float | None  # Linux on-demand, us-east-1; None: host-only or no price
    spot_price_per_hour: float | None
    source: str
    host_only: bool = False  # runs only on a Dedicated Host (Mac): billed by its host
    max_enis: int | None = None  # None: see facts.eni_limits (curated rows)

    @property
    def priced(self) -> bool:
        """A source gives its price (host-only types are billed by their host)."""
        return self.price_per_hour is not None

    @property
    def size(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def is_graviton(self) -> bool:
        return self.arch == "arm64"


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("simulator.catalog").joinpath("data", filename).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def did_you_mean(name: str, choices: list[str] | set[str], n: int = 3) -> str:
    """' (did you mean: a, b?)' or '' when nothing is close."""
    close = difflib.get_close_matches(name, sorted(choices), n=n, cutoff=0.6)
    if not close and len(name) >= 3:  # "count" -> "desired_count"
        close = [c for c in sorted(choices) if name in c or c in name][:n]
    return f" (did you mean: {', '.join(close)}?)" if close else ""


@lru_cache(maxsize=1)
def instance_types() -> dict[str, InstanceType]:
    out: dict[str, InstanceType] = {}
    for r in _rows("instance_types.csv"):
        spot = r.get("spot_avg_usd_hr") or ""
        price = r.get("linux_ondemand_usd_hr") or ""
        out[r["instance_type"]] = InstanceType(
            name=r["instance_type"],
            family=r["family"],
            arch=r["arch"],
            vcpu=int(r["vcpu"]),
            memory_mib=int(round(float(r["memory_gib"]) * 1024)),
            price_per_hour=float(price) if price else None,
            spot_price_per_hour=float(spot) if spot else None,
            source=r["source"],
            host_only=not price,
        )
    return out


def _described(name: str) -> InstanceType | None:
    """A type only EC2's DescribeInstanceTypes data knows: its facts, "no price"."""
    record = ec2_types.description(name)
    if record is None:
        return None
    family = ec2_types.family_of(name)
    return InstanceType(
        name=name,
        family=family,
        arch=ec2_types.architecture(record),
        vcpu=int(record["VCpuInfo"]["DefaultVCpus"]),
        memory_mib=int(record["MemoryInfo"]["SizeInMiB"]),
        price_per_hour=None,
        spot_price_per_hour=None,
        source=f"{ec2_types.source_of(name)}; {ec2_types.NO_PRICE}",
        host_only=family.startswith("mac"),
        max_enis=ec2_types.max_enis(record),
    )


@lru_cache(maxsize=1)
def every_instance_type() -> dict[str, InstanceType]:
    """The curated types (instance_types.csv, with prices) and every other type EC2
    describes (ec2_types, no price), by name. Scenarios use the curated ones."""
    out = {n: t for n in ec2_types.descriptions() if (t := _described(n)) is not None}
    out.update(instance_types())
    return dict(sorted(out.items()))


def instance_type(name: str) -> InstanceType:
    """The catalog entry for ``name`` (e.g. ``m6i.xlarge``): a curated row, else the type
    as EC2 describes it (with no price)."""
    types = instance_types()
    found = types.get(name)
    if found is not None:
        return found
    described = every_instance_type().get(name)
    if described is not None:
        return described
    raise CatalogError(
        f"unknown instance type {name!r}{did_you_mean(name, set(every_instance_type()))}"
    )


@dataclass(frozen=True, slots=True)
class CpuFactor:
    family: str
    cpu: str
    coremark_per_vcpu: float
    source: str


@lru_cache(maxsize=1)
def cpu_factors() -> dict[str, CpuFactor]:
    return {
        r["family"]: CpuFactor(r["family"], r["cpu"], float(r["coremark_per_vcpu"]), r["source"])
        for r in _rows("cpu_factors.csv")
    }


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    reference_family: str
    requests_per_vcpu_second: float
    source: str


@lru_cache(maxsize=1)
def workloads() -> dict[str, Workload]:
    return {
        r["workload"]: Workload(
            r["workload"],
            r["reference_family"],
            float(r["requests_per_vcpu_second"]),
            r["source"],
        )
        for r in _rows("workloads.csv")
    }


@lru_cache(maxsize=1)
def workload_measurements() -> dict[tuple[str, str], float]:
    return {
        (r["workload"], r["family"]): float(r["requests_per_vcpu_second"])
        for r in _rows("workload_measurements.csv")
    }


@lru_cache(maxsize=1)
def workload_ratios() -> dict[tuple[str, str], tuple[str, float]]:
    """(workload, family) -> (family it was measured against, throughput ratio per vCPU)."""
    return {
        (r["workload"], r["family"]): (r["relative_to"], float(r["ratio"]))
        for r in _rows("workload_ratios.csv")
    }


@dataclass(frozen=True, slots=True)
class RuntimeFactor:
    workload: str
    runtime: str
    baseline_runtime: str
    arch: str
    factor: float
    source: str


@lru_cache(maxsize=1)
def runtime_factors() -> dict[tuple[str, str], RuntimeFactor]:
    """(workload, runtime) -> the throughput factor over the baseline runtime on an arch."""
    return {
        (r["workload"], r["runtime"]): RuntimeFactor(
            r["workload"],
            r["runtime"],
            r["baseline_runtime"],
            r["arch"],
            float(r["factor"]),
            r["source"],
        )
        for r in _rows("runtime_factors.csv")
    }


@dataclass(frozen=True)
class Profile:
    """A user's own throughput profile: requests per second per vCPU measured on some
    instance families; other families are scaled by CoreMark per vCPU from the measured
    family of the same architecture (else any measured family)."""

    name: str
    per_vcpu: dict[str, float]  # family -> requests/s per vCPU

    def rate(self, family: str) -> float:
        if family in self.per_vcpu:
            return self.per_vcpu[family]
        factors = cpu_factors()
        if family not in factors:
            raise CatalogError(
                f"no CPU factor for family {family!r}{did_you_mean(family, set(factors))}"
            )
        arch = _family_arch(family)
        same = [f for f in self.per_vcpu if _family_arch(f) == arch]
        ref = (same or sorted(self.per_vcpu))[0]
        return self.per_vcpu[ref] * (
            factors[family].coremark_per_vcpu / factors[ref].coremark_per_vcpu
        )


def _family_arch(family: str) -> str:
    return next((t.arch for t in instance_types().values() if t.family == family), "x86_64")


def calibrate(name: str, *measurements: tuple[str, float]) -> Profile:
    """A profile from your own measurements: (instance type, requests per second it
    served at the utilization you plan for), e.g. ``calibrate("api", ("m6i.xlarge",
    1800), ("m7g.xlarge", 2300))``. Each becomes requests/s per vCPU of its family."""
    if not measurements:
        raise CatalogError("calibrate needs at least one (instance type, requests/s) pair")
    per_vcpu: dict[str, float] = {}
    for type_name, rps in measurements:
        itype = instance_type(type_name)
        if rps <= 0:
            raise CatalogError(f"{type_name}: expected requests per second > 0, got {rps}")
        per_vcpu[itype.family] = rps / itype.vcpu
    return Profile(name, per_vcpu)


def requests_per_vcpu_second(
    workload: str,
    family: str,
    runtime: str | None = None,
    profiles: dict[str, Profile] | None = None,
) -> float:
    """Throughput of one vCPU of ``family`` on ``workload``.

    In order: a user profile of that name; a measurement for (workload, family); a
    measured ratio to another family; else the workload's reference throughput scaled
    by the CoreMark-per-vCPU ratio of the two families. ``runtime`` (e.g. ``go1.18``)
    applies the seed's runtime gains where the data has them for the family's arch.
    """
    if profiles and workload in profiles:
        base = profiles[workload].rate(family)
    else:
        base = _catalog_rate(workload, family)
    if runtime is not None:
        rf = runtime_factors().get((workload, runtime))
        if rf is not None and rf.arch == _family_arch(family):
            base *= rf.factor
    return base


def _catalog_rate(workload: str, family: str) -> float:
    measured = workload_measurements().get((workload, family))
    if measured is not None:
        return measured
    ratio = workload_ratios().get((workload, family))
    if ratio is not None:
        return _catalog_rate_unrated(workload, ratio[0]) * ratio[1]
    return _catalog_rate_unrated(workload, family)


def _catalog_rate_unrated(workload: str, family: str) -> float:
    measured = workload_measurements().get((workload, family))
    if measured is not None:
        return measured
    known = workloads()
    if workload not in known:
        raise CatalogError(f"unknown workload {workload!r}{did_you_mean(workload, set(known))}")
    w = known[workload]
    factors = cpu_factors()
    if family not in factors:
        raise CatalogError(
            f"no CPU factor for family {family!r}{did_you_mean(family, set(factors))}"
        )
    return w.requests_per_vcpu_second * (
        factors[family].coremark_per_vcpu / factors[w.reference_family].coremark_per_vcpu
    )
