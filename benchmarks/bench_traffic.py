"""Speed of the traffic model: the request fidelity next to plain SimPy, flow over a month.

- request: requests per wall second of ``RequestSimulation`` (full accounting: every
  request's task, start, finish, outcome kept) against a minimal SimPy M/M/c loop
  (an arrival process and a ``simpy.Resource``, nothing recorded), same load, same
  process; best of three runs each.
- request in a scenario, over durations (``--durations``): a whole ``run`` of a scenario
  with request fidelity (one service, two tasks of 4 vCPU, 8 servers of 10 req/s at 80 %
  load, full accounting and the summary) against the plain SimPy loop at the same rate,
  servers and duration, in CPU seconds of one run each: the per-tick flush must not
  rescan the run's history, so the ratio holds at any duration.
- flow: 1,000 services over 30 days at 1-minute ticks, ``flow.step`` once per tick
  over all services (backlog carried), simulated seconds per wall second.

Each case runs in its own process so that its peak memory (RSS) is its own.

    .venv/bin/python benchmarks/bench_traffic.py
    .venv/bin/python benchmarks/bench_traffic.py --durations 1,6,24
"""

from __future__ import annotations

import gc
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LAM, MU, SERVERS, HORIZON = 640.0, 100.0, 8, 500.0  # M/M/8 at 80 %: 320,000 requests


def plain_simpy(seed: int) -> tuple[int, float]:
    """The baseline: arrivals, a Resource, a process per request; nothing recorded."""
    import simpy

    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    rng = np.random.default_rng(seed)
    n = int(LAM * HORIZON * 1.1)
    gaps = iter(rng.exponential(1 / LAM, n).tolist())
    work = iter(rng.exponential(1 / MU, n).tolist())
    count = 0

    def request(service: float):
        with servers.request() as slot:
            yield slot
            yield env.timeout(service)

    def source():
        nonlocal count
        while True:
            yield env.timeout(next(gaps))
            count += 1
            env.process(request(next(work)))

    env.process(source())
    start = time.perf_counter()
    env.run(until=HORIZON)
    return count, time.perf_counter() - start


def request_fidelity(seed: int, tasks: int, routing: str) -> tuple[int, float]:
    from simulator.core.world import World
    from simulator.traffic.arrivals import Constant
    from simulator.traffic.request import RequestSimulation

    world = World(seed)
    sim = RequestSimulation(world, Constant(LAM), routing=routing, timeout=30.0)
    for _ in range(tasks):
        sim.add_task(SERVERS // tasks, MU)
    start = time.perf_counter()
    sim.start()
    world.run(HORIZON)
    elapsed = time.perf_counter() - start
    c = sim.counters()
    assert c.arrivals == c.completed + c.failed + c.in_flight
    return c.arrivals, elapsed


def best(run, *args) -> float:
    """Requests per wall second, best of three."""
    rates = []
    for seed in range(3):
        gc.collect()  # a finished simulation is a reference cycle (World <-> callbacks)
        n, seconds = run(seed, *args)
        rates.append(n / seconds)
    return max(rates)


def case_request() -> dict:
    baseline = best(plain_simpy)
    rows = {"plain SimPy M/M/8 (Resource, no accounting)": baseline}
    for tasks, routing in [
        (1, "round_robin"),
        (4, "round_robin"),
        (4, "least_outstanding_requests"),
        (4, "weighted_random"),
    ]:
        label = f"request fidelity, {tasks} task(s) x {SERVERS // tasks} servers, {routing}"
        rows[label] = best(request_fidelity, tasks, routing)
    return {"rows": rows, "baseline": baseline}


SC_LAM, SC_MU, SC_SERVERS = 64.0, 10.0, 8


def plain_simpy_for(lam: float, mu: float, servers: int, horizon: float) -> tuple[int, float]:
    """The plain SimPy M/M/c loop at the given size; (arrivals, CPU seconds)."""
    import simpy

    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=servers)
    rng = np.random.default_rng(0)
    count = 0

    def request(service: float):
        with pool.request() as slot:
            yield slot
            yield env.timeout(service)

    def source():
        nonlocal count
        while True:
            gaps = rng.exponential(1 / lam, 4096).tolist()
            work = rng.exponential(1 / mu, 4096).tolist()
            for g, w in zip(gaps, work, strict=True):
                yield env.timeout(g)
                count += 1
                env.process(request(w))

    env.process(source())
    start = time.process_time()
    env.run(until=horizon)
    return count, time.process_time() - start


def request_scenario(hours: float) -> dict:
    """The scenario, with the workload calibrated to SC_MU requests/s per vCPU."""
    return {
        "name": f"request-{hours:g}h",
        "duration": hours * 3600.0,
        "tick": "1m",
        "fidelity": "request",
        "capacity": {"instance_type": "m6i.2xlarge", "count": 2},
        "profiles": {"slow-api": {"m6i.2xlarge": SC_MU * 8}},
        "services": [
            {"name": "api", "cpu": 4096, "memory": 8192, "desired_count": 2, "workload": "slow-api"}
        ],
        "traffic": [{"service": "api", "pattern": "constant", "rps": SC_LAM}],
        "outputs": {"plots": False},
    }


def case_durations(hours: list[float]) -> dict:
    from simulator.experiment import run
    from simulator.scenario import validate_scenario

    rows = []
    for h in hours:
        gc.collect()
        n0, base_s = plain_simpy_for(SC_LAM, SC_MU, SC_SERVERS, h * 3600.0)
        sc = validate_scenario(request_scenario(h), source="bench")
        start = time.process_time()
        result = run(sc)
        sc_s = time.process_time() - start
        n = result.summary["services"]["api"]["requests"]
        rows.append(
            {
                "hours": h,
                "plain_req_per_cpu_s": n0 / base_s,
                "scenario_req_per_cpu_s": n / sc_s,
                "ratio": (n / sc_s) / (n0 / base_s),
                "requests": n,
            }
        )
    return {"rows": rows}


def case_flow(services: int = 1000, days: int = 30) -> dict:
    from simulator.traffic import flow
    from simulator.traffic.arrivals import Diurnal

    rng = np.random.default_rng(0)
    cpu = rng.choice([512, 1024, 2048, 4096], services)
    rps_per_vcpu = rng.uniform(20.0, 400.0, services)
    model = flow.TaskModel.build(
        cpu,
        rps_per_vcpu,
        np.full(services, 30.0),
        routing=rng.choice(["weighted_random", "round_robin"], services),
        full_load_efficiency=rng.choice([1.0, 0.96, 0.63], services),
    )
    tasks = rng.integers(2, 40, services).astype(float)
    capacity = tasks * model.task_capacity
    # peaks at 40-90 % of capacity; one service in 20 peaks at 120 % (backlog, failures)
    peak = capacity * np.where(rng.random(services) < 0.05, 1.2, rng.uniform(0.4, 0.9, services))
    arrivals = [
        Diurnal(p * 0.3, p, peak_at=float(h) * 3600.0)
        for p, h in zip(peak, rng.integers(8, 20, services), strict=True)
    ]
    dt = 60.0
    ticks_per_day = int(86400 / dt)
    state = flow.FlowState.empty(model)
    totals = np.zeros(3)
    start = time.perf_counter()
    for day in range(days):
        times = day * 86400.0 + dt * np.arange(ticks_per_day)
        offered = np.stack([a.rate(times) for a in arrivals], axis=1)
        for k in range(ticks_per_day):
            r = flow.step(state, offered[k], tasks, dt)
            state = r.state
            totals += (r.arrivals.sum(), r.completed.sum(), r.failed.sum())
    elapsed = time.perf_counter() - start
    simulated = days * 86400.0
    return {
        "services": services,
        "ticks": days * ticks_per_day,
        "wall_s": elapsed,
        "sim_s_per_wall_s": simulated / elapsed,
        "ms_per_step": elapsed / (days * ticks_per_day) * 1000,
        "requests": totals.tolist(),
        "backlog_end": float(state.backlog.sum()),
    }


def child(case: str) -> None:
    if case.startswith("durations"):
        out = case_durations([float(h) for h in case.split(":")[1].split(",")])
    else:
        out = case_request() if case == "request" else case_flow()
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def durations(hours: str) -> None:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", f"durations:{hours}"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"request fidelity in a scenario: {SC_LAM:g} req/s on {SC_SERVERS} servers of "
        f"{SC_MU:g} req/s, against plain SimPy at the same size (CPU seconds, one run each)"
    )
    for r in out["rows"]:
        print(
            f"  {r['hours']:>5g} h: {r['requests']:>12,.0f} requests, scenario "
            f"{r['scenario_req_per_cpu_s']:>9,.0f} req/CPU-s, plain SimPy "
            f"{r['plain_req_per_cpu_s']:>9,.0f} req/CPU-s, {r['ratio']:.2f}x"
        )


def main() -> None:
    if "--durations" in sys.argv:
        durations(sys.argv[sys.argv.index("--durations") + 1])
        return
    results = {}
    for case in ("request", "flow"):
        proc = subprocess.run(
            [sys.executable, __file__, "--child", case],
            capture_output=True,
            text=True,
            check=True,
        )
        results[case] = json.loads(proc.stdout.strip().splitlines()[-1])
    req = results["request"]
    print(f"request fidelity: {LAM:g} req/s on {SERVERS} servers of {MU:g} req/s, {HORIZON:g} s")
    for label, rate in req["rows"].items():
        print(f"  {label:<70} {rate:>10,.0f} req/s  {rate / req['baseline']:5.2f}x")
    print(f"  peak RSS {req['peak_rss_mib']:.0f} MiB")
    f = results["flow"]
    arrived, completed, failed = f["requests"]
    print(f"flow fidelity: {f['services']:,} services, 30 days at 1-minute ticks ({f['ticks']:,})")
    print(
        f"  {f['wall_s']:.1f} s wall, {f['sim_s_per_wall_s']:,.0f} simulated s per wall s, "
        f"{f['ms_per_step']:.2f} ms per step, peak RSS {f['peak_rss_mib']:.0f} MiB"
    )
    print(
        f"  requests: {arrived:.4g} arrived, {completed:.4g} completed, {failed:.4g} failed, "
        f"{f['backlog_end']:.4g} in backlog at the end"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
