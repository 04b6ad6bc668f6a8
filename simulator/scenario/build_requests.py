"""A scenario's request classes (``traffic[].requests``): what its requests look like,
so that a listener's rules route them (first match by priority, else the default
action). Pure: classes in, (listener key -> classes) and problems with field paths out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlencode

from simulator.scenario import schema
from simulator.traffic.elb_rules import METHOD, Request

Problem = tuple[str, str]
Classes = tuple[tuple[Request, float], ...]
"""(request, its share of the listener's requests), shares adding up to 1."""
DEFAULT: Classes = ((Request(), 1.0),)
"""A traffic entry without ``requests``: one class without attributes."""
SHARE_TOLERANCE = 1e-9


def request_of(c: schema.RequestClass) -> Request:
    headers = {k: v if isinstance(v, str) else tuple(v) for k, v in c.headers.items()}
    query = urlencode(list(c.query.items()))
    return Request(c.path, c.host, c.method, headers, query, c.source_ip)


def _problems(where: str, c: schema.RequestClass) -> list[Problem]:
    out: list[Problem] = []
    if not c.path.startswith("/"):
        out.append((f"{where}.path", f"expected a path starting with '/', got {c.path!r}"))
    if not METHOD.fullmatch(c.method):
        out.append(
            (f"{where}.method", f"expected an HTTP method of A-Z, '-' and '_' (up to 40), "
             f"got {c.method!r}")
        )  # fmt: skip
    try:
        ipaddress.ip_address(c.source_ip)
    except ValueError:
        out.append((f"{where}.source_ip", f"expected an IPv4 or IPv6 address, got {c.source_ip!r}"))
    return out


def listener_classes(
    s: schema.Scenario, entry: Mapping[str, str]
) -> tuple[dict[str, Classes], list[Problem]]:
    """Listener key -> the request classes entering there (only listeners whose traffic
    declares ``requests``), and every problem of the declarations."""
    entering: dict[str, list[int]] = {}
    for i, t in enumerate(s.traffic):
        key = entry.get(t.service)
        if key is not None:
            entering.setdefault(key, []).append(i)
    out: dict[str, Classes] = {}
    problems: list[Problem] = []
    for i, t in enumerate(s.traffic):
        if not t.requests:
            continue
        where = f"traffic[{i}].requests"
        total = sum(c.share for c in t.requests)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            problems.append((where, f"expected shares that add up to 1, got {total:g}"))
        for k, c in enumerate(t.requests):
            problems += _problems(f"{where}[{k}]", c)
        key = entry.get(t.service)
        if key is None:
            continue  # the service's group is in no listener: reported by the caller
        others = [f"traffic[{j}]" for j in entering[key] if j != i]
        if others:
            problems.append(
                (where, f"request classes need the only traffic entering listener {key}; "
                 f"{', '.join(others)} enters there too")
            )  # fmt: skip
            continue
        out[key] = tuple((request_of(c), c.share) for c in t.requests)
    return out, problems
