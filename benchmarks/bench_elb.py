"""Speed of the ELBv2 routing model (pure, no simpy).

- split: ``Listener.route_split`` calls per wall second (flow fidelity: one offered rate
  through a listener with 10 path rules and a 90/10 weighted default action), and
  ``per_target`` over a group of 50 healthy targets;
- route: ``Listener.choose`` per wall second (request fidelity: one request matched against
  the rules, a weighted group drawn, a target picked by round robin), for requests that
  match the last rule and for requests that fall through to the default rule;
- a listener remembers which rule a request object matched, so the same object routes
  faster the second time; the "new request object" cases match the rules every call.
- health: ``TargetGroup.record_check`` per wall second.

Best of three runs each.

    .venv/bin/python benchmarks/bench_elb.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.traffic.elb import (  # noqa: E402
    Condition,
    ForwardAction,
    Listener,
    ProbeResult,
    Request,
    Rule,
    TargetGroup,
    per_target,
)


def healthy_group(name: str, targets: int) -> TargetGroup:
    tg = TargetGroup(name, f"arn:{name}")
    for i in range(targets):
        tid = f"{name}-{i}"
        tg.register(tid, at=0)
        for _ in range(tg.check.healthy_threshold):
            tg.record_check(tid, ProbeResult.PASS, 0.0)
    return tg


def best_rate(fn: Callable[[], None], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    blue, green = healthy_group("blue", 50), healthy_group("green", 50)
    listener = Listener(80, [(blue, 90), (green, 10)])
    for i in range(10):
        listener.add_rule(
            Rule(i + 1, [Condition("path-pattern", (f"/svc{i}/*",))], ForwardAction([(green, 1)]))
        )
    rng = np.random.default_rng(0)
    last_rule = Request(path="/svc9/items")
    default = Request(path="/other")
    results = {
        "route_split per s (default rule, 10 rules)": best_rate(
            lambda: listener.route_split(1000.0, default), 20_000
        ),
        "per_target per s (50 targets)": best_rate(lambda: per_target(blue, 900.0), 20_000),
        "choose per s (last of 10 rules)": best_rate(
            lambda: listener.choose(rng, last_rule), 20_000
        ),
        "choose per s (default rule)": best_rate(lambda: listener.choose(rng, default), 20_000),
        "route_split per s (new request object each call)": best_rate(
            lambda: listener.route_split(1000.0, Request(path="/svc9/items")), 20_000
        ),
        "choose per s (new request object each call)": best_rate(
            lambda: listener.choose(rng, Request(path="/svc9/items")), 20_000
        ),
        "record_check per s": best_rate(
            lambda: blue.record_check("blue-0", ProbeResult.PASS, 1.0), 50_000
        ),
    }
    for name, rate in results.items():
        print(f"{name:50s} {rate:12,.0f}")


if __name__ == "__main__":
    main()
