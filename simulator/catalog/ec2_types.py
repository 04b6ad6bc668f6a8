"""Every EC2 instance type AWS describes: the DescribeInstanceTypes records behind the catalog.

``data/ec2_instance_types.json.gz`` is moto 5.2.5's bundled copy of EC2's own
DescribeInstanceTypes answers, gathered by moto from every commercial Region
(getmoto/moto ``moto/ec2/resources/instance_types.json``, Apache-2.0). Its records carry
vCPUs, memory, architectures, network performance and ENI limits exactly as AWS states
them; they carry no prices. The curated ``instance_types.csv`` rows (with prices) win for
the types they cover; every other type here is a catalog entry with an explicit "no price".

botocore's InstanceType enum also names types AWS no longer describes (retired cg1, hs1,
p2, g3, f1, the u-*tb1 hosts...). ``data/ec2_instance_types_retired.json.gz`` holds their
records from the last version of moto's file that had them (each record names its moto
commit; the oldest are ec2instances.info records, converted to this shape).
``data/ec2_instance_types_documented.json`` holds types newer than any such data, built from
AWS's published specification tables (each record names its tables; fields no table gives
are absent). The enum names no source gives figures for (``UNSOURCED``) are not described
(docs/aws.md).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

DATA_FILE = "ec2_instance_types.json.gz"
SOURCE = (
    "EC2 DescribeInstanceTypes record as bundled by moto 5.2.5 "
    "(moto/ec2/resources/instance_types.json)"
)
RETIRED_FILE = "ec2_instance_types_retired.json.gz"
DOCUMENTED_FILE = "ec2_instance_types_documented.json"
NO_PRICE = "no price: no source in the catalog gives this type's price"
UNSOURCED = frozenset(
    {
        "cc1.4xlarge",  # EC2-Classic only, retired before moto's data began: no ENI figures
        "m9g.metal-24xl",  # AWS's M9g tables list only metal-48xl
        "m9gd.metal-24xl",
        "u7ib-12tb.224xlarge",  # named at launch (2024-06), no published figures found
    }
)
"""botocore enum names no source in the catalog gives vCPUs, memory and ENIs for."""


def _read(filename: str) -> Any:
    raw = resources.files("simulator.catalog").joinpath("data", filename).read_bytes()
    return json.loads(gzip.decompress(raw) if filename.endswith(".gz") else raw)


@lru_cache(maxsize=1)
def _retired() -> Mapping[str, Mapping[str, Any]]:
    """name -> {"source": ..., "record": ...} for types moto's current data dropped."""
    return MappingProxyType(_read(RETIRED_FILE))


@lru_cache(maxsize=1)
def _moto() -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType(_read(DATA_FILE))


@lru_cache(maxsize=1)
def _documented() -> Mapping[str, Mapping[str, Any]]:
    """name -> {"source": ..., "record": ...} for types built from AWS's spec tables."""
    return MappingProxyType(_read(DOCUMENTED_FILE))


def _sourced() -> dict[str, Mapping[str, Any]]:
    """Every record not in moto 5.2.5's file, with its source (retired, then documented)."""
    return {**_documented(), **_retired()}


@lru_cache(maxsize=1)
def descriptions() -> Mapping[str, Mapping[str, Any]]:
    """InstanceType name -> its DescribeInstanceTypes record (read-only)."""
    records = dict(_moto())
    for name, entry in _sourced().items():
        records.setdefault(name, entry["record"])
    return MappingProxyType({name: records[name] for name in sorted(records)})


def description(name: str) -> Mapping[str, Any] | None:
    return descriptions().get(name)


def source_of(name: str) -> str:
    """Where ``name``'s record comes from (moto's current file, an older commit of it, or
    AWS's specification tables)."""
    entry = None if name in _moto() else _sourced().get(name)
    return str(entry["source"]) if entry is not None else SOURCE


@lru_cache(maxsize=1)
def enum_types() -> tuple[str, ...]:
    """botocore's EC2 InstanceType enum (every name the API accepts), in its order."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    return tuple(model.shape_for("InstanceType").enum)


def family_of(name: str) -> str:
    return name.split(".", 1)[0]


def architecture(record: Mapping[str, Any]) -> str:
    """The catalog's arch (x86_64 | arm64) from SupportedArchitectures (i386 also runs
    x86_64; the Mac architectures are their CPU's)."""
    archs = record["ProcessorInfo"]["SupportedArchitectures"]
    return "arm64" if any(a.startswith("arm64") for a in archs) else "x86_64"


def max_enis(record: Mapping[str, Any]) -> int:
    return int(record["NetworkInfo"]["MaximumNetworkInterfaces"])
