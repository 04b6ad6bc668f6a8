"""Target group and load balancer attributes: AWS's keys, defaults and valid values.

ModifyTargetGroupAttributes takes string key/value pairs; ``parse_target_group_attributes``
checks them against the rules of the ELBv2 reference (TargetGroupAttribute) and returns the
typed values the model uses. Attributes that change routing in ecsim are deregistration
delay, slow start and the algorithm; stickiness and cross-zone settings are accepted and
reported, and have no effect (ecsim has no client cookies and no per-zone routing).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from simulator.core.errors import AWSError

VALIDATION_ERROR = "ValidationError"
INVALID_CONFIGURATION = "InvalidConfigurationRequest"

DEREGISTRATION_DELAY = "deregistration_delay.timeout_seconds"
SLOW_START = "slow_start.duration_seconds"
ALGORITHM = "load_balancing.algorithm.type"
ANOMALY_MITIGATION = "load_balancing.algorithm.anomaly_mitigation"
ALGORITHMS = ("round_robin", "least_outstanding_requests", "weighted_random")
STICKINESS_TYPES = ("lb_cookie", "app_cookie")

TARGET_GROUP_DEFAULTS: Mapping[str, str] = MappingProxyType(
    {
        "stickiness.enabled": "false",
        DEREGISTRATION_DELAY: "300",
        "stickiness.type": "lb_cookie",
        "stickiness.lb_cookie.duration_seconds": "86400",
        "stickiness.app_cookie.cookie_name": "",
        "stickiness.app_cookie.duration_seconds": "86400",
        SLOW_START: "0",
        ALGORITHM: "round_robin",
        ANOMALY_MITIGATION: "off",
        "load_balancing.cross_zone.enabled": "use_load_balancer_configuration",
        "target_group_health.dns_failover.minimum_healthy_targets.count": "1",
        "target_group_health.dns_failover.minimum_healthy_targets.percentage": "off",
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "1",
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
    }
)
"""DescribeTargetGroupAttributes of a new HTTP/HTTPS instance or ip target group."""

FIXED_AT_DEFAULT = frozenset(k for k in TARGET_GROUP_DEFAULTS if k.startswith("target_group_"))
"""Accepted only at their default value: ecsim does not model DNS failover or routing to
unhealthy targets below a minimum (fail-open is the default behaviour)."""

LOAD_BALANCER_DEFAULTS: Mapping[str, str] = MappingProxyType(
    {
        "access_logs.s3.enabled": "false",
        "access_logs.s3.bucket": "",
        "access_logs.s3.prefix": "",
        "deletion_protection.enabled": "false",
        "idle_timeout.timeout_seconds": "60",
        "routing.http.desync_mitigation_mode": "defensive",
        "routing.http.drop_invalid_header_fields.enabled": "false",
        "routing.http.preserve_host_header.enabled": "false",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
        "routing.http.xff_client_port.enabled": "false",
        "routing.http.xff_header_processing.mode": "append",
        "routing.http2.enabled": "true",
        "waf.fail_open.enabled": "false",
        "load_balancing.cross_zone.enabled": "true",
        "client_keep_alive.seconds": "3600",
    }
)
"""DescribeLoadBalancerAttributes of a new Application Load Balancer."""


def _int(key: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise AWSError(
            VALIDATION_ERROR, f"'{key}' value '{value}' must be between '{low}-{high}' inclusive"
        )
    return number


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise AWSError(VALIDATION_ERROR, f"'{key}' value '{value}' must be one of {list(allowed)}")
    return value


def validate_target_group_attributes(
    current: Mapping[str, str], changes: Mapping[str, str]
) -> dict[str, str]:
    """The attributes after applying ``changes`` to ``current``; AWSError naming the rule
    broken (unknown key, value out of range, slow start with least outstanding requests)."""
    out = dict(current)
    for key, value in changes.items():
        if key not in TARGET_GROUP_DEFAULTS:
            raise AWSError(
                INVALID_CONFIGURATION, f"Target group attribute key '{key}' is not recognized"
            )
        if key in FIXED_AT_DEFAULT and value != TARGET_GROUP_DEFAULTS[key]:
            raise AWSError(
                "UnsupportedOperation",
                f"ecsim does not simulate the target group attribute {key} other than "
                f"'{TARGET_GROUP_DEFAULTS[key]}'.",
            )
        out[key] = value
    _int(DEREGISTRATION_DELAY, out[DEREGISTRATION_DELAY], 0, 3600)
    slow = out[SLOW_START]
    if _int(SLOW_START, slow, 0, 900) not in range(30, 901) and slow != "0":
        raise AWSError(
            VALIDATION_ERROR, f"'{SLOW_START}' value '{slow}' must be 0 or between '30-900'"
        )
    _choice(ALGORITHM, out[ALGORITHM], ALGORITHMS)
    _choice(ANOMALY_MITIGATION, out[ANOMALY_MITIGATION], ("on", "off"))
    _choice("stickiness.enabled", out["stickiness.enabled"], ("true", "false"))
    _choice("stickiness.type", out["stickiness.type"], STICKINESS_TYPES)
    _int(
        "stickiness.lb_cookie.duration_seconds",
        out["stickiness.lb_cookie.duration_seconds"],
        1,
        604800,
    )
    _int(
        "stickiness.app_cookie.duration_seconds",
        out["stickiness.app_cookie.duration_seconds"],
        1,
        604800,
    )
    _choice(
        "load_balancing.cross_zone.enabled",
        out["load_balancing.cross_zone.enabled"],
        ("true", "false", "use_load_balancer_configuration"),
    )
    if out[ALGORITHM] == "least_outstanding_requests" and out[SLOW_START] != "0":
        raise AWSError(
            INVALID_CONFIGURATION,
            "Slow start mode can't be enabled with the least outstanding requests algorithm.",
        )
    if out[ANOMALY_MITIGATION] == "on" and out[ALGORITHM] != "weighted_random":
        raise AWSError(
            INVALID_CONFIGURATION,
            "Anomaly mitigation requires the weighted_random load balancing algorithm.",
        )
    if out[ANOMALY_MITIGATION] == "on":
        raise AWSError("UnsupportedOperation", "ecsim does not simulate anomaly mitigation.")
    if (
        out["stickiness.enabled"] == "true"
        and out["stickiness.type"] == "app_cookie"
        and not out["stickiness.app_cookie.cookie_name"]
    ):
        raise AWSError(
            VALIDATION_ERROR,
            "You must set an application cookie name to enable stickiness of type 'app_cookie'",
        )
    return out
