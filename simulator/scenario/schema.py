"""The scenario file schema (pydantic v2).

Every field has a type whose error says what was expected in words a user can act
on; unknown keys are refused (``extra="forbid"``) and reported with a "did you mean".
Durations are written as "90s", "5m", "24h", "30d" or seconds and stored as seconds.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator.core.durations import EXPECTED as DURATION_EXPECTED
from simulator.core.durations import parse_duration
from simulator.core.errors import DurationError
from simulator.deploy.strategies import ResolvedStrategy, StrategyError
from simulator.deploy.strategies import resolve as resolve_strategy


def _got(value: Any) -> str:
    return repr(value) if not isinstance(value, dict | list) else type(value).__name__


def _int_at_least(minimum: int):
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PydanticCustomError(
                "expected_int",
                "expected an integer >= {m}, got {got}",
                {"m": minimum, "got": _got(value)},
            )
        if value < minimum:
            raise PydanticCustomError(
                "expected_int",
                "expected an integer >= {m}, got {got}",
                {"m": minimum, "got": _got(value)},
            )
        return value

    return BeforeValidator(check)


def _int_between(low: int, high: int):
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PydanticCustomError(
                "expected_int",
                "expected an integer from {lo} to {hi}, got {got}",
                {"lo": low, "hi": high, "got": _got(value)},
            )
        return value

    return BeforeValidator(check)


def _number(minimum: float, strict_above: bool, maximum: float | None = None):
    words = f"> {minimum:g}" if strict_above else f">= {minimum:g}"
    if maximum is not None:
        words += f" and <= {maximum:g}"

    def check(value: Any) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and (maximum is None or value <= maximum)
        if ok and (value > minimum if strict_above else value >= minimum):
            return float(value)
        raise PydanticCustomError(
            "expected_number", "expected a number {w}, got {got}", {"w": words, "got": _got(value)}
        )

    return BeforeValidator(check)


def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except DurationError:
        raise PydanticCustomError(
            "expected_duration",
            "expected {e}, got {got}",
            {"e": DURATION_EXPECTED, "got": _got(value)},
        ) from None


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError(
            "expected_name", "expected a non-empty string, got {got}", {"got": _got(value)}
        )
    if not value.isprintable():
        raise PydanticCustomError(
            "expected_name",
            "expected printable characters, got {got}",
            {"got": _got(value)},
        )
    if len(value) > 255:
        raise PydanticCustomError(
            "expected_name", "expected at most 255 characters, got {n}", {"n": len(value)}
        )
    return value


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")  # '@': scenario@variant
_ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def _pattern_name(pattern: re.Pattern[str], words: str):
    def check(value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise PydanticCustomError(
                "expected_name", "expected " + words + ", got {got}", {"got": _got(value)}
            )
        return value

    return BeforeValidator(check)


def _positive_duration(value: Any) -> float:
    seconds = _duration(value)
    if seconds <= 0:
        raise PydanticCustomError(
            "expected_duration", "expected a duration > 0, got {got}", {"got": _got(value)}
        )
    return seconds


def _on_off(value: Any) -> str:
    # YAML 1.1 reads a bare on/off as true/false; AWS spells them "on"/"off"
    if value is True or value == "on":
        return "on"
    if value is False or value == "off":
        return "off"
    raise PydanticCustomError(
        "expected_on_off", "expected on or off, got {got}", {"got": _got(value)}
    )


MAX_RPS = 10_000_000.0
"""Requests per second of one service's traffic (documented in the README's limits)."""
MAX_MULTIPLIER = 1000.0
"""Of a spike, a scale_traffic factor or a weekly day multiplier."""

Count = Annotated[int, _int_at_least(0)]
OnOff = Annotated[str, BeforeValidator(_on_off)]
PositiveInt = Annotated[int, _int_at_least(1)]
Rate = Annotated[float, _number(0, strict_above=False)]
PositiveNumber = Annotated[float, _number(0, strict_above=True)]
Seconds = Annotated[float, BeforeValidator(_duration)]
PositiveSeconds = Annotated[float, BeforeValidator(_positive_duration)]
Name = Annotated[str, BeforeValidator(_name)]
SafeName = Annotated[
    str,
    _pattern_name(
        _SAFE_NAME,
        "1 to 100 letters, digits, '.', '_', '@' or '-', first a letter or digit (it names "
        "the report directory)",
    ),
]
EcsName = Annotated[
    str,
    _pattern_name(
        _ECS_NAME, "up to 255 letters, numbers, hyphens and underscores (ECS's rule for names)"
    ),
]
Probability = Annotated[float, _number(0, strict_above=False, maximum=1.0)]
Percent = Annotated[float, _number(0, strict_above=False, maximum=100.0)]
RequestRate = Annotated[float, _number(0, strict_above=False, maximum=MAX_RPS)]
Multiplier = Annotated[float, _number(0, strict_above=False, maximum=MAX_MULTIPLIER)]
Price = Annotated[float, _number(0, strict_above=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DedicatedHosts(Strict):
    """``count`` Dedicated Hosts, each allocated either for one ``instance_type``
    (single-size) running ``instances_per_host`` of it (default: as many as fit), or for
    an ``instance_family`` that supports mixed sizes (A1, C5, M5, R5, C5n, M5n, R5n, T3)
    running the ``instances`` mix, e.g. ``{m5.4xlarge: 2, m5.xlarge: 8}``."""

    instance_type: Name | None = None
    instance_family: Name | None = None
    count: PositiveInt
    instances_per_host: Count | None = None
    instances: dict[str, Count] = {}
    host_recovery: OnOff = "on"
    auto_placement: OnOff = "off"


class Capacity(Strict):
    """The cluster's EC2 capacity: ``count`` shared-tenancy on-demand instances of
    ``instance_type``, and Dedicated Hosts with their instances."""

    instance_type: Name | None = None
    count: Count = 0
    reserved_memory_mib: Count = 0
    dedicated_hosts: list[DedicatedHosts] = []


class PlacementStrategy(Strict):
    """ECS's placementStrategy item: binpack (cpu | memory), spread (any field), random."""

    type: Literal["binpack", "spread", "random"]
    field: str | None = None


class PlacementConstraint(Strict):
    """ECS's placementConstraints item: distinctInstance, or memberOf with an expression
    of the cluster query language (e.g. ``attribute:ecs.cpu-architecture == arm64``)."""

    type: Literal["distinctInstance", "memberOf"]
    expression: str | None = None


class DeploymentSettings(Strict):
    """ECS's rolling deployment settings and deployment circuit breaker."""

    minimum_healthy_percent: Annotated[int, _int_between(0, 100)] = 100
    maximum_percent: PositiveInt = 200
    circuit_breaker: bool = False
    rollback: bool = False


class ManagedScalingSettings(Strict):
    """ECS's ManagedScaling of an Auto Scaling group capacity provider (AWS's defaults)."""

    status: Literal["ENABLED", "DISABLED"] = "ENABLED"
    target_capacity: Annotated[int, _int_between(1, 100)] = 100
    minimum_scaling_step_size: Annotated[int, _int_between(1, 10000)] = 1
    maximum_scaling_step_size: Annotated[int, _int_between(1, 10000)] = 10000
    instance_warmup_period: Seconds = 300.0


class AutoScalingGroupSettings(Strict):
    """The EC2 Auto Scaling group behind a capacity provider: its instance types (the first
    launches; x86 and Graviton may be mixed) and sizes (desired defaults to min_size)."""

    instance_types: Annotated[list[Name], Field(min_length=1)]
    min_size: Count = 0
    max_size: Count
    desired_capacity: Count | None = None


class CapacityProvider(Strict):
    """A capacity provider of the cluster: an Auto Scaling group provider (give
    ``auto_scaling_group``), or FARGATE / FARGATE_SPOT (``interruption_rate_per_hour``: Spot
    interruptions per running task-hour, a parameter: AWS publishes no rate)."""

    name: EcsName
    auto_scaling_group: AutoScalingGroupSettings | None = None
    managed_scaling: ManagedScalingSettings = ManagedScalingSettings()
    managed_termination_protection: Literal["ENABLED", "DISABLED"] = "DISABLED"
    interruption_rate_per_hour: Rate = 0.0


class CapacityProviderStrategyItem(Strict):
    """ECS's CapacityProviderStrategyItem: ``base`` tasks first on one provider, the rest by
    ``weight`` ratios."""

    capacity_provider: Name
    base: Annotated[int, _int_between(0, 100000)] = 0
    weight: Annotated[int, _int_between(0, 1000)] = 0


class ScalingPolicy(Strict):
    """A target tracking policy on a predefined metric (ALBRequestCountPerTarget: requests
    per task per minute). Unset fields take ecs_capacity.csv's defaults: cooldowns 300 s; the
    alarm datapoints (3 out, 15 in) and the scale-in threshold ratio (0.9) are reported by
    users, not documented: parameters."""

    metric: Literal[
        "ECSServiceAverageCPUUtilization",
        "ECSServiceAverageMemoryUtilization",
        "ALBRequestCountPerTarget",
    ]
    target: PositiveNumber
    scale_out_cooldown: Seconds | None = None
    scale_in_cooldown: Seconds | None = None
    disable_scale_in: bool = False
    scale_out_datapoints: PositiveInt | None = None
    scale_in_datapoints: PositiveInt | None = None
    scale_in_threshold_ratio: Annotated[float, _number(0, strict_above=True)] | None = None


class ServiceAutoScaling(Strict):
    """Service Auto Scaling: the desired count within [min, max], moved by the policies.
    Memory utilization is not in the traffic model: it is taken as ``memory_idle_pct`` plus
    (``memory_busy_pct`` - ``memory_idle_pct``) x the CPU busy fraction (an assumption)."""

    min: Count
    max: Count
    policies: Annotated[list[ScalingPolicy], Field(min_length=1)]
    memory_idle_pct: Percent = 40.0
    memory_busy_pct: Percent = 80.0


class MemoryModelSettings(Strict):
    """Memory per task: baseline + per in-flight request + a leak over the task's life.
    Past the task's memory (its hard limit) the container is OOM-killed."""

    baseline_mib: PositiveNumber
    per_in_flight_mib: Rate = 0.0
    leak_mib_per_hour: Rate = 0.0


def _within(low: float, high: float) -> AfterValidator:
    def check(value: float) -> float:
        if not low <= value <= high:
            raise PydanticCustomError(
                "out_of_range",
                "expected {low} to {high} seconds, got {got}",
                {"low": f"{low:g}", "high": f"{high:g}", "got": f"{value:g}"},
            )
        return value

    return AfterValidator(check)


class HealthCheckSettings(Strict):
    """The target group's health check (ELBv2's defaults for an HTTP target group;
    the ranges CreateTargetGroup accepts)."""

    interval: Annotated[Seconds, _within(5, 300)] = 30.0
    timeout: Annotated[Seconds, _within(2, 120)] = 6.0
    healthy_threshold: Annotated[int, Field(ge=2, le=10)] = 5
    unhealthy_threshold: Annotated[int, Field(ge=2, le=10)] = 2


class LoadBalancerSettings(Strict):
    """The service's target group behind its load balancer's listener: its own (one load
    balancer, listener and target group made for the service, with the settings below),
    or ``target_group``, a group declared under ``load_balancers`` (whose settings then
    apply: health_check and deregistration_delay are set there)."""

    target_group: Name | None = None

    deregistration_delay: Annotated[Seconds, _within(0, 3600)] = 300.0
    """The target group's deregistration_delay.timeout_seconds."""
    health_check: HealthCheckSettings = HealthCheckSettings()
    health_check_grace_period: Seconds = 0.0
    """ECS ignores failing health checks for this long after a task starts."""


class TargetGroupSettings(Strict):
    """A declared target group (CreateTargetGroup, ip targets, and its attributes)."""

    name: Annotated[
        str,
        _pattern_name(
            re.compile(r"^(?!-)(?!internal-)[A-Za-z0-9-]{1,32}(?<!-)$"),
            "1 to 32 letters, digits or hyphens, not starting or ending with a hyphen "
            "(ELBv2's rule for target group names)",
        ),
    ]
    health_check: HealthCheckSettings = HealthCheckSettings()
    deregistration_delay: Annotated[Seconds, _within(0, 3600)] = 300.0
    """deregistration_delay.timeout_seconds."""
    slow_start: Seconds = 0.0
    """slow_start.duration_seconds: 0 (off) or 30 to 900 seconds."""
    algorithm: Literal["round_robin", "least_outstanding_requests", "weighted_random"] | None = None
    """load_balancing.algorithm.type (default: the scenario's ``routing``)."""


class WeightedTargetGroup(Strict):
    target_group: Name
    weight: Annotated[int, _int_between(0, 999)] = 1


class FixedResponse(Strict):
    status_code: int
    content_type: Literal["text/plain", "text/css", "text/html", "application/javascript",
                          "application/json"] | None = None  # fmt: skip
    message_body: str | None = None


class ListenerAction(Strict):
    """A listener's or rule's action: ``forward`` to up to 5 weighted target groups, or
    a ``fixed_response``."""

    forward: Annotated[list[WeightedTargetGroup], Field(min_length=1)] | None = None
    fixed_response: FixedResponse | None = None


class RuleConditions(Strict):
    """Every condition given must match (ELBv2's path-pattern, host-header, http-header,
    http-request-method, query-string and source-ip conditions; wildcards * and ?)."""

    path: list[str] = []
    host: list[str] = []
    headers: dict[str, list[str]] = {}
    method: list[str] = []
    query: dict[str, str] = {}
    """key -> value pairs, any of which matches (ELBv2's query-string condition)."""
    source_ip: list[str] = []
    """CIDR blocks (IPv4 or IPv6)."""


class ListenerRule(ListenerAction):
    priority: Annotated[int, _int_between(1, 50000)]
    conditions: RuleConditions


class ListenerSettings(Strict):
    port: Annotated[int, _int_between(1, 65535)] = 80
    protocol: Literal["HTTP", "HTTPS"] = "HTTP"
    default_action: ListenerAction
    rules: list[ListenerRule] = []


class LoadBalancerSpec(Strict):
    """An Application Load Balancer with its listeners and the target groups they use
    (ELBv2 associates a target group with one load balancer)."""

    name: Annotated[
        str,
        _pattern_name(
            re.compile(r"^(?!-)(?!internal-)[A-Za-z0-9-]{1,32}(?<!-)$"),
            "1 to 32 letters, digits or hyphens, not starting or ending with a hyphen and "
            "not starting with internal- (ELBv2's rule for load balancer names)",
        ),
    ]
    listeners: Annotated[list[ListenerSettings], Field(min_length=1)]
    target_groups: list[TargetGroupSettings] = []


class AlarmSettings(Strict):
    """A CloudWatch metric alarm (PutMetricAlarm's fields in snake_case), evaluated on the
    simulation clock. ``dimensions`` name the metric; or the shorthand ``service`` (AWS/ECS:
    ClusterName and ServiceName; AWS/ApplicationELB: the service's LoadBalancer and
    TargetGroup) or ``target_group`` (a declared or a service's default group)."""

    name: Name
    namespace: Name
    metric_name: Name
    dimensions: dict[str, str] = {}
    service: Name | None = None
    target_group: Name | None = None
    statistic: Name
    """Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99."""
    period: PositiveInt
    evaluation_periods: PositiveInt
    datapoints_to_alarm: PositiveInt | None = None
    threshold: Annotated[float, _number(-math.inf, strict_above=True)]
    comparison_operator: Literal[
        "GreaterThanOrEqualToThreshold",
        "GreaterThanThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
    ]
    treat_missing_data: Literal["missing", "notBreaching", "breaching", "ignore"] = "missing"
    description: str | None = None


class Service(Strict):
    """An ECS service: task size in CPU units (1024 = 1 vCPU) and MiB, desired count, and
    how ECS places and replaces its tasks."""

    name: EcsName
    cpu: PositiveInt
    memory: PositiveInt
    desired_count: Count
    workload: Name = "web-dynamic"
    timeout: Seconds = 30.0
    scheduling_strategy: Literal["REPLICA", "DAEMON"] = "REPLICA"
    placement_strategy: list[PlacementStrategy] | None = None
    placement_constraints: list[PlacementConstraint] = []
    deployment: DeploymentSettings = DeploymentSettings()
    cpu_architecture: Literal["X86_64", "ARM64"] | None = None
    capacity_provider_strategy: list[CapacityProviderStrategyItem] = []
    auto_scaling: ServiceAutoScaling | None = None
    runtime: str | None = None
    """e.g. go1.18: applies the seed's runtime gains (catalog/data/runtime_factors.csv)."""
    memory_model: MemoryModelSettings | None = None
    load_balancer: LoadBalancerSettings = LoadBalancerSettings()
    """Its target group (every service is behind a load balancer's listener)."""


class Spike(Strict):
    """The rate times ``multiplier`` for ``duration`` from ``at``."""

    at: Seconds
    duration: Seconds
    multiplier: Multiplier


class RequestClass(Strict):
    """One kind of request of a traffic entry: its share of the requests and what the
    listener's rules can match (the attributes of ELBv2's rule conditions)."""

    share: Annotated[float, _number(0, strict_above=True, maximum=1.0)]
    path: str = "/"
    host: str = ""
    method: str = "GET"
    headers: dict[str, str | list[str]] = {}
    query: dict[str, str] = {}
    source_ip: str = "0.0.0.0"


class TrafficBase(Strict):
    service: Name
    noise: bool = False
    """Multiplicative Poisson noise per tick, from the stream traffic.<service>.noise."""
    spikes: list[Spike] = []
    requests: list[RequestClass] = []
    """What the requests look like, in classes whose shares add up to 1 (none: one class
    without attributes); the listener's rules route each class (first match by
    priority, else the default action)."""


class ConstantTraffic(TrafficBase):
    pattern: Literal["constant"]
    rps: RequestRate


class DiurnalTraffic(TrafficBase):
    pattern: Literal["diurnal"]
    min_rps: RequestRate
    peak_rps: RequestRate
    peak_at: Seconds = 14 * 3600.0
    weekly: list[Multiplier] | None = None
    """Seven day multipliers, Monday first (time 0 is a Monday 00:00)."""


class StepsTraffic(TrafficBase):
    pattern: Literal["steps"]
    steps: list[tuple[Seconds, RequestRate]]
    """[[time, requests/s], ...]: each rate holds from its time to the next."""


class TraceTraffic(TrafficBase):
    pattern: Literal["trace"]
    file: str
    """CSV of (timestamp, requests per second); a path relative to the scenario file."""
    interpolation: Literal["linear", "step"] = "linear"


Traffic = Annotated[
    ConstantTraffic | DiurnalTraffic | StepsTraffic | TraceTraffic,
    Field(discriminator="pattern"),
]


class SetDesiredCount(Strict):
    at: Seconds
    action: Literal["set_desired_count"]
    service: Name
    desired_count: Count


class SetInstanceCount(Strict):
    at: Seconds
    action: Literal["set_instance_count"]
    count: Count


class ScaleTraffic(Strict):
    """Multiply a service's arrival rate from ``at`` on (1 restores it)."""

    at: Seconds
    action: Literal["scale_traffic"]
    service: Name
    factor: Multiplier


def _onset(value: Any) -> float | str:
    if value == "first_request":
        return value
    try:
        return parse_duration(value)
    except DurationError:
        raise PydanticCustomError(
            "expected_onset",
            "expected 'first_request' or a duration after the deploy ("
            + DURATION_EXPECTED
            + "), got {got}",
            {"got": _got(value)},
        ) from None


class RevisionFaultSpec(Strict):
    """A bad version (simulator/faults/revision.py): what the new revision does wrong.
    ``onset`` is a duration after the deploy event or ``first_request`` (the revision's
    first routable target with traffic); the CPU cost holds from its first task."""

    error_probability: Probability = 0.0
    """Each request a target of the revision answers is a 5xx with this probability."""
    latency_multiplier: PositiveNumber = 1.0
    """Response times multiplied (waiting outside the CPU: capacity unchanged)."""
    cpu_cost_factor: PositiveNumber = 1.0
    """A performance regression: each request costs this many times the CPU."""
    memory_leak_mib_per_hour: Price = 0.0
    """Added to the service's memory model (needs ``memory_model``)."""
    start_failure_probability: Probability = 0.0
    onset: Annotated[float | str, BeforeValidator(_onset)] = 0.0


class Deploy(Strict):
    """A new task definition revision for the service and a rolling deployment to it.
    ``start_failure_probability`` makes its tasks fail to start (a bad image, a crash at
    boot), which exercises the deployment circuit breaker; ``fault`` makes the revision
    a bad version (errors, latency, CPU cost, memory leak, start failures)."""

    at: Seconds
    action: Literal["deploy"]
    service: Name
    start_failure_probability: Probability = 0.0
    desired_count: Count | None = None
    fault: RevisionFaultSpec | None = None
    strategy: str | dict[str, Any] | None = None
    """None: a rolling deployment. Otherwise a traffic-shifting one (deploy/strategies.py):
    a CodeDeploy configuration name, or exactly one of ``codedeploy:`` (a
    trafficRoutingConfig), ``ecs:`` (a deploymentConfiguration: BLUE_GREEN / CANARY /
    LINEAR with bakeTimeInMinutes), ``argo:`` (steps) or ``flagger:`` (an analysis);
    the last two are ecsim strategies, not AWS's."""
    alarms: list[Name] = []
    """Names of the scenario's alarms the deployment polls (at most 10, as CodeDeploy)."""
    termination_wait: Seconds = 0.0
    """CodeDeploy's terminationWaitTimeInMinutes (0-2880 minutes, whole minutes)."""
    rollback_events: (
        list[
            Literal["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"]
        ]
        | None
    ) = None
    """autoRollbackConfiguration events; None takes CDK's defaults (DEPLOYMENT_FAILURE,
    plus DEPLOYMENT_STOP_ON_ALARM when there are alarms). Without STOP_ON_ALARM an alarm
    stops the deployment and traffic stays where it is."""

    @model_validator(mode="after")
    def _strategy(self) -> Deploy:
        if self.strategy is None:
            for name in ("alarms", "termination_wait", "rollback_events"):
                if getattr(self, name):
                    raise PydanticCustomError(
                        "needs_strategy",
                        "{f} needs a traffic-shifting strategy (strategy: ...)",
                        {"f": name},
                    )
            return self
        if len(self.alarms) > 10:
            raise PydanticCustomError(
                "alarms_limit", "AlarmsLimitExceededException: at most 10 alarms", {}
            )
        wait = self.termination_wait
        if wait % 60 or not 0 <= wait <= 2880 * 60:
            raise PydanticCustomError(
                "termination_wait",
                "termination_wait must be whole minutes from 0 to 2880 (48h), got {w}s",
                {"w": wait},
            )
        try:
            resolve_strategy(self.strategy, termination_wait_s=wait)
        except StrategyError as err:
            raise PydanticCustomError("strategy", "{m}", {"m": str(err)}) from None
        return self

    def resolved_strategy(self) -> ResolvedStrategy | None:
        """The validated strategy (None: rolling)."""
        if self.strategy is None:
            return None
        return resolve_strategy(self.strategy, termination_wait_s=self.termination_wait)


class DrainInstances(Strict):
    """UpdateContainerInstancesState DRAINING on ``count`` container instances (oldest)."""

    at: Seconds
    action: Literal["drain_instances"]
    count: PositiveInt


class FailHost(Strict):
    """The Dedicated Host (by allocation order, 0 first) goes under-assessment."""

    at: Seconds
    action: Literal["fail_host"]
    host: Count


Event = Annotated[
    SetDesiredCount | SetInstanceCount | ScaleTraffic | FailHost | Deploy | DrainInstances,
    Field(discriminator="action"),
]


class HostFailures(Strict):
    """Random host failures: each available host fails after an exponential time with
    this mean (a Poisson process per host, drawn from the ``faults.host_failures`` stream)."""

    kind: Literal["host_failures"]
    mean_time_between_failures: Seconds
    start: Seconds = 0.0


Fault = Annotated[HostFailures, Field(discriminator="kind")]


class Outputs(Strict):
    """What the run writes and keeps (simulator/scenario/outputs.py)."""

    plots: bool = True
    trace_jsonl: bool = False
    metrics: list[Name] | None = None
    """Metrics kept in the result table besides those the summary reads (None: all)."""
    trace: bool = True
    """Keep the event trace (false: only the number of events of each kind)."""
    metrics_period: PositiveSeconds | None = None
    """One point per metric and series each period (a multiple of the tick), aggregated
    from the ticks by the metric's statistic (simulator/core/metric_period.py); None:
    every tick."""
    metrics_dtype: Literal["float64", "float32"] = "float64"
    """How metric values are stored while the run goes (float32: half the bytes)."""
    detail: Literal["task", "service"] = "task"
    """``task``: the trace keeps every task's events (ecs.task, task.oom_killed);
    ``service``: only service-, instance- and fleet-level events (task events counted)."""


class Sizing(Strict):
    """Before running, set ``service``'s desired count to the fewest tasks that hold
    ``p99`` at its peak rate, and the shared-tenancy instance count to what they need."""

    service: Name
    p99: PositiveSeconds
    headroom_instances: Count = 0


class Sweep(Strict):
    """A parameter sweep: every point of ``grid`` (field path -> values, all combinations)
    crossed with each of the explicit ``points`` (field path -> value), each point run
    ``replications`` times with seeds derived from the scenario's seed."""

    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    points: list[dict[str, Any]] = []
    replications: PositiveInt = 1


class TestFleet(Strict):
    """A test suite split into ``batches`` parallel ECS tasks (RunTask), each running its
    tests in sequence: ``tests`` durations drawn from ``duration`` (a duration or a
    distribution) or read from ``durations_csv`` (column ``duration_s``); ``strategy``
    round_robin, by_duration (longest first onto the least-loaded batch) or given (``given``:
    one list of test indices per batch); each test fails with ``failure_probability``; with
    ``fast_fail`` the first failure stops every batch (StopTask). Without a
    ``capacity_provider_strategy`` the tasks go to the cluster's EC2 instances and wait there
    for room."""

    __test__ = False  # not a pytest class

    tests: PositiveInt | None = None
    duration: Any = None
    durations_csv: str | None = None
    batches: PositiveInt
    strategy: Literal["round_robin", "by_duration", "given"] = "by_duration"
    given: list[list[Annotated[int, _int_at_least(0)]]] = []
    failure_probability: Annotated[float, _number(0, strict_above=False, maximum=1)] = 0.0
    fast_fail: bool = True
    cpu: PositiveInt = 1024
    memory: PositiveInt = 2048
    cpu_architecture: Literal["X86_64", "ARM64"] | None = None
    capacity_provider_strategy: list[CapacityProviderStrategyItem] = []


class Scenario(Strict):
    """A whole scenario file, after validation."""

    name: SafeName
    description: str = ""
    seed: Annotated[int, _int_between(0, 2**63 - 1)] = 0
    duration: Seconds
    tick: Seconds = 60.0
    region: Literal["us-east-1"] = "us-east-1"
    capacity: Capacity = Capacity()
    capacity_providers: list[CapacityProvider] = []
    fargate_prices: dict[str, Price] = {}
    """Overrides of simulator/catalog/data/fargate.csv prices (e.g. ``spot_discount: 0.6``)."""
    services: list[Service] = []
    traffic: list[Traffic] = []
    events: list[Event] = []
    faults: list[Fault] = []
    ec2_timing: dict[str, Any] = {}
    """Overrides of simulator/catalog/data/ec2_timing.csv, e.g.
    ``host_recovery: {distribution: uniform, low: 10m, high: 30m}`` or a fixed duration."""
    ecs_timing: dict[str, Any] = {}
    """Overrides of simulator/catalog/data/ecs_timing.csv (agent registration, image pull...)."""
    fidelity: Literal["flow", "request"] = "flow"
    """flow: per-tick queueing formulas (fast); request: every request an event (exact)."""
    routing: Literal["round_robin", "least_outstanding_requests", "weighted_random"] = "round_robin"
    """How the load balancer spreads a service's requests over its tasks."""
    profiles: dict[str, dict[str, PositiveNumber]] = {}
    """Your own throughput measurements: workload name -> {instance type: requests/s}."""
    sizing: Sizing | None = None
    load_balancers: list[LoadBalancerSpec] = []
    """Declared load balancers (services without ``load_balancer.target_group`` get one
    of their own)."""
    alarms: list[AlarmSettings] = []
    """CloudWatch alarms on the live metrics, evaluated during the run."""
    variants: dict[SafeName, dict[str, Any]] = {}
    """Named what-ifs: each maps field paths such as
    ``capacity.dedicated_hosts[0].host_recovery`` to the value it takes in that variant."""
    outputs: Outputs = Outputs()
    test_fleet: TestFleet | None = None
    sweep: Sweep | None = None
    """What ``ecsim sweep`` runs when no --set is given (see Sweep)."""

    @property
    def shifts_traffic(self) -> bool:
        """Its deploy events name traffic-shifting strategies: ``ecsim run`` compares them
        on the blue/green stack (simulator.experiment.deployment_choice) instead of running
        the scenario's rolling timeline."""
        return any(getattr(e, "strategy", None) is not None for e in self.events)
