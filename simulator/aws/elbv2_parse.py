"""Reading ELBv2 request structures: actions, conditions, tags, paging."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from simulator.aws import errors
from simulator.core.errors import AWSError
from simulator.traffic.elb_actions import Action, FixedResponseAction, ForwardAction, Stickiness
from simulator.traffic.elb_rules import Condition, QueryPair
from simulator.traffic.load_balancer import LoadBalancers

T = TypeVar("T")
VALIDATION_ERROR = "ValidationError"
MAX_TAGS = 50
SIMULATED_ACTIONS = ("forward", "fixed-response")


def parse_action(registry: LoadBalancers, actions: Sequence[Mapping[str, Any]]) -> Action:
    """The one action of a rule or listener's DefaultActions."""
    if not actions:
        raise AWSError(VALIDATION_ERROR, "At least one action must be specified")
    for a in actions:
        if a["Type"] not in SIMULATED_ACTIONS:
            raise errors.not_simulated(f"the action type {a['Type']}", SIMULATED_ACTIONS)
    if len(actions) > 1:
        raise AWSError("TooManyActions", "A rule can only have one terminal action")
    a = actions[0]
    if a["Type"] == "fixed-response":
        config = a.get("FixedResponseConfig")
        if config is None:
            raise AWSError(VALIDATION_ERROR, "A fixed-response action requires FixedResponseConfig")
        return FixedResponseAction(
            int(config["StatusCode"]), config.get("ContentType"), config.get("MessageBody")
        )
    single = a.get("TargetGroupArn")
    config = a.get("ForwardConfig")
    if config is None:
        if single is None:
            raise AWSError(
                VALIDATION_ERROR, "A forward action requires TargetGroupArn or ForwardConfig"
            )
        return ForwardAction([(registry.target_group(single), 1)])
    tuples = config.get("TargetGroups") or []
    if single is not None and [t.get("TargetGroupArn") for t in tuples] != [single]:
        raise AWSError(
            VALIDATION_ERROR,
            "You cannot specify both TargetGroupArn and a ForwardConfig of other target groups",
        )
    groups = [(registry.target_group(t["TargetGroupArn"]), int(t.get("Weight", 1))) for t in tuples]
    stick = config.get("TargetGroupStickinessConfig") or {}
    stickiness = Stickiness(bool(stick.get("Enabled", False)), stick.get("DurationSeconds"))
    return ForwardAction(groups, stickiness)


_CONFIG_OF = {
    "host-header": "HostHeaderConfig",
    "path-pattern": "PathPatternConfig",
    "http-header": "HttpHeaderConfig",
    "query-string": "QueryStringConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "source-ip": "SourceIpConfig",
}


def parse_conditions(conditions: Sequence[Mapping[str, Any]]) -> list[Condition]:
    out = []
    for c in conditions:
        if c.get("RegexValues") or any(
            isinstance(v, Mapping) and v.get("RegexValues") for v in c.values()
        ):
            raise errors.not_simulated("regular-expression rule conditions (RegexValues)")
        field = c.get("Field")
        if field not in _CONFIG_OF:
            raise AWSError(
                VALIDATION_ERROR, f"Condition field '{field}' must be one of {list(_CONFIG_OF)}"
            )
        config = c.get(_CONFIG_OF[field]) or {}
        if field == "query-string":
            pairs = tuple(QueryPair(v["Value"], v.get("Key")) for v in config.get("Values") or [])
            out.append(Condition(field, pairs=pairs))
            continue
        if field == "source-ip" and config.get("IpAddressType"):
            raise errors.not_simulated("SourceIpConfig.IpAddressType (Network Load Balancers)")
        values = list(config.get("Values") or [])
        legacy = list(c.get("Values") or [])
        if values and legacy:
            raise AWSError(
                VALIDATION_ERROR, "You cannot specify both Values and a condition configuration"
            )
        if legacy and field not in ("host-header", "path-pattern"):
            raise AWSError(VALIDATION_ERROR, f"Use {_CONFIG_OF[field]} for a '{field}' condition")
        header = config.get("HttpHeaderName") if field == "http-header" else None
        out.append(Condition(field, tuple(values or legacy), header_name=header))
    return out


def parse_tags(tags: Sequence[Mapping[str, Any]] | None) -> dict[str, str]:
    """Tags of a request: DuplicateTagKeys, TooManyTags (at most 50)."""
    out: dict[str, str] = {}
    for tag in tags or ():
        if tag["Key"] in out:
            raise AWSError("DuplicateTagKeys", f"Tag key '{tag['Key']}' is duplicated")
        out[tag["Key"]] = tag.get("Value", "")
    if len(out) > MAX_TAGS:
        raise AWSError("TooManyTags", f"A resource can have at most {MAX_TAGS} tags")
    return out


def add_tags(registry: LoadBalancers, arn: str, tags: Mapping[str, str]) -> None:
    merged = {**registry.tags.get(arn, {}), **tags}
    if len(merged) > MAX_TAGS:
        raise AWSError("TooManyTags", f"A resource can have at most {MAX_TAGS} tags")
    registry.tags[arn] = merged


def page(
    key: str, items: Sequence[Any], params: Mapping[str, Any], default: int = 400
) -> dict[str, Any]:
    """One page of a Describe* answer: PageSize 1-400, an opaque Marker / NextMarker."""
    start = 0
    marker = params.get("Marker")
    if marker:
        try:
            text = base64.urlsafe_b64decode(marker.encode()).decode()
            prefix, _, number = text.partition(":")
            if prefix != "ecsim-elbv2" or not number.isdigit():
                raise ValueError(text)
            start = int(number)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise AWSError(VALIDATION_ERROR, "Invalid Marker (ecsim wording).") from None
    size = params.get("PageSize", default)
    if not 1 <= size <= 400:
        raise AWSError(VALIDATION_ERROR, "PageSize must be between 1 and 400")
    end = start + size
    out: dict[str, Any] = {key: list(items[start:end])}
    if end < len(items):
        out["NextMarker"] = base64.urlsafe_b64encode(f"ecsim-elbv2:{end}".encode()).decode()
    return out


def one_of(params: Mapping[str, Any], names: Sequence[str], what: str) -> None:
    given = [n for n in names if params.get(n)]
    if len(given) > 1:
        raise AWSError(VALIDATION_ERROR, f"{what}: specify only one of {', '.join(given)}")
