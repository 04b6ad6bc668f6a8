"""IAM policy documents: parsed once, validated as IAM validates them, then immutable.

Identity-based policies (CreatePolicy, PutRolePolicy, PutUserPolicy) must not name a
Principal and need a Resource; trust policies (CreateRole's AssumeRolePolicyDocument)
need a Principal and no Resource. A document IAM refuses raises AWSError with IAM's
MalformedPolicyDocument code and the rule broken; messages IAM's documentation does not
quote are marked "(ecsim wording)".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from simulator.core.errors import AWSError
from simulator.iam.conditions import NULL, OPERATORS, QUALIFIERS

MALFORMED_POLICY_DOCUMENT = "MalformedPolicyDocument"
VERSIONS = ("2012-10-17", "2008-10-17")
MAX_MANAGED_POLICY_CHARS = 6144
"""IAM quotas: a managed policy's document holds at most 6,144 characters (whitespace
not counted)."""
VARIABLE = re.compile(r"\$\{([^}]*)\}")
ACTION = re.compile(r"[A-Za-z0-9_*?-]+:[A-Za-z0-9_*?-]+")
Kind = Literal["identity", "trust"]


def malformed(message: str) -> AWSError:
    return AWSError(MALFORMED_POLICY_DOCUMENT, message)


@dataclass(frozen=True)
class Condition:
    """One key of one operator block: ``ForAnyValue:StringLikeIfExists`` is operator
    StringLike, qualifier ForAnyValue, if_exists True."""

    operator: str
    key: str
    values: tuple[str, ...]
    qualifier: str | None = None
    if_exists: bool = False


@dataclass(frozen=True)
class Statement:
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    principals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sid: str | None = None


@dataclass(frozen=True)
class Policy:
    version: str
    statements: tuple[Statement, ...]
    text: str

    def to_json(self) -> str:
        return self.text


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            raise malformed(f"{where} must be a string or a list of strings (ecsim wording).")
    return tuple(out)


def _condition_block(block: Any) -> tuple[Condition, ...]:
    if not isinstance(block, Mapping):
        raise malformed("Syntax errors in policy.")
    out: list[Condition] = []
    for name in sorted(block):
        qualifier, _, base = name.rpartition(":")
        if qualifier and qualifier not in QUALIFIERS:
            raise malformed(f"Invalid Condition type : {name}.")
        if_exists = base.endswith("IfExists") and base != "IfExists"
        if if_exists:
            base = base[: -len("IfExists")]
        if base != NULL and base not in OPERATORS:
            raise malformed(f"Invalid Condition type : {name}.")
        if base == NULL and (if_exists or qualifier):
            raise malformed(f"Invalid Condition type : {name}.")
        keys = block[name]
        if not isinstance(keys, Mapping) or not keys:
            raise malformed("Syntax errors in policy.")
        for key in sorted(keys):
            if ":" not in key:
                raise malformed(
                    "Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
                )
            values = _strings(keys[key], f"Condition {name} {key}")
            out.append(Condition(base, key, values, qualifier or None, if_exists))
    return tuple(out)


def _principals(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value == "*":
        return (("AWS", ("*",)),)
    if not isinstance(value, Mapping) or not value:
        raise malformed("Invalid principal in policy.")
    return tuple((kind, _strings(value[kind], f"Principal {kind}")) for kind in sorted(value))


def _statement(raw: Any, kind: Kind) -> Statement:
    if not isinstance(raw, Mapping):
        raise malformed("Syntax errors in policy.")
    known = {
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition",
        "Principal", "NotPrincipal",
    }  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise malformed(f"Syntax errors in policy: unknown field {unknown[0]} (ecsim wording).")
    effect = raw.get("Effect")
    if effect is None:
        raise malformed("Missing required field Effect")
    if effect not in ("Allow", "Deny"):
        raise malformed(f"Invalid effect: {effect}")
    if "Action" in raw and "NotAction" in raw:
        raise malformed("Statement has both Action and NotAction (ecsim wording).")
    if "Action" not in raw and "NotAction" not in raw:
        raise malformed("Policy statement must contain actions.")
    actions = _strings(raw.get("Action", []), "Action")
    not_actions = _strings(raw.get("NotAction", []), "NotAction")
    for a in actions + not_actions:
        if a != "*" and not ACTION.fullmatch(a):
            raise malformed(
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
            )
    if "Resource" in raw and "NotResource" in raw:
        raise malformed("Statement has both Resource and NotResource (ecsim wording).")
    resources = _strings(raw.get("Resource", []), "Resource")
    not_resources = _strings(raw.get("NotResource", []), "NotResource")
    principals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if kind == "identity":
        if "Principal" in raw or "NotPrincipal" in raw:
            raise malformed("Policy document should not specify a principal.")
        if not resources and not not_resources:
            raise malformed("Policy statement must contain resources.")
    else:
        if "Principal" not in raw:
            raise malformed("Missing required field Principal")
        principals = _principals(raw["Principal"])
        if resources or not_resources:
            raise malformed("Has prohibited field Resource")
    for r in resources + not_resources:
        if r != "*" and not r.startswith("arn:") and not VARIABLE.search(r):
            raise malformed(f'Resource {r} must be in ARN format or "*".')
    sid = raw.get("Sid")
    if sid is not None and (not isinstance(sid, str) or not re.fullmatch(r"[A-Za-z0-9]*", sid)):
        raise malformed("Statement IDs (SID) must be alpha-numeric.")
    return Statement(
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        conditions=_condition_block(raw.get("Condition", {})),
        principals=principals,
        sid=sid,
    )


def parse_policy(document: str | Mapping[str, Any], kind: Kind = "identity") -> Policy:
    """The policy of ``document`` (JSON text or its parsed dict); MalformedPolicyDocument
    naming the rule if IAM would refuse it."""
    if isinstance(document, str):
        try:
            raw = json.loads(document)
        except ValueError:
            raise malformed("Syntax errors in policy.") from None
        text = document
    else:
        raw = document
        text = json.dumps(document)
    if not isinstance(raw, Mapping):
        raise malformed("Syntax errors in policy.")
    if len(re.sub(r"\s", "", text)) > MAX_MANAGED_POLICY_CHARS:
        raise AWSError(
            "LimitExceeded",
            f"Cannot exceed quota for PolicySize: {MAX_MANAGED_POLICY_CHARS}",
            http_status=409,
        )
    version = raw.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise malformed("The policy failed legacy parsing")
    if "Statement" not in raw:
        raise malformed("Syntax errors in policy.")
    unknown = sorted(set(raw) - {"Version", "Id", "Statement"})
    if unknown:
        raise malformed(f"Syntax errors in policy: unknown field {unknown[0]} (ecsim wording).")
    body = raw["Statement"]
    items: Sequence[Any] = body if isinstance(body, list) else [body]
    if not items:
        raise malformed("Syntax errors in policy.")
    statements = tuple(_statement(s, kind) for s in items)
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise malformed("Statement IDs (SID) in a single policy must be unique.")
    return Policy(version, statements, text)
