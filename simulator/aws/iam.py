"""The IAM API of the simulated account: roles, users, managed and inline policies,
access keys (``simulator.iam.principals`` holds the state).

Policy documents come back URL-encoded, as IAM returns them (GetRole's
AssumeRolePolicyDocument, GetRolePolicy's PolicyDocument). IAM calls are not themselves
authorized: any valid credentials may manage IAM (docs/iam.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.operations import Operation, find, op
from simulator.core.errors import AWSError
from simulator.iam import principals as pr
from simulator.iam.policy import MALFORMED_POLICY_DOCUMENT

if TYPE_CHECKING:
    from simulator.aws.account import SimulatedAWS

ERROR_CODES: frozenset[str] = frozenset(
    {
        pr.NO_SUCH_ENTITY,
        pr.ENTITY_ALREADY_EXISTS,
        pr.INVALID_INPUT,
        pr.LIMIT_EXCEEDED,
        MALFORMED_POLICY_DOCUMENT,
        errors.UNSUPPORTED_OPERATION,
    }
)
"""Every code the simulated IAM client answers with."""


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class IamService:
    """``aws.client("iam")``: the account's principals and policies."""

    name = "iam"

    def __init__(self, account: SimulatedAWS, state: pr.IamAccount):
        self.account = account
        self.state = state
        self.operations = OPERATIONS

    def handle(self, model: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
        operation = find(self.operations, model, params, f"the IAM operation {model.name}")
        return operation.handler(self, dict(params))

    def when(self, seconds: float) -> Any:
        return self.account.timestamp(seconds)

    def now(self) -> float:
        return self.account.now

    # ------------------------------------------------------------------ views
    def role_view(self, role: pr.Role, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Path": role.path,
            "RoleName": role.name,
            "RoleId": role.unique_id,
            "Arn": role.arn,
            "CreateDate": self.when(role.created_at),
            "MaxSessionDuration": role.max_session_duration,
        }
        if role.trust is not None:
            out["AssumeRolePolicyDocument"] = quote(role.trust.text)
        if role.description:
            out["Description"] = role.description
        if role.tags:
            out["Tags"] = _tags(role.tags)
        if full:
            out["RoleLastUsed"] = {}
        return out

    def user_view(self, user: pr.User) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Path": user.path,
            "UserName": user.name,
            "UserId": user.unique_id,
            "Arn": user.arn,
            "CreateDate": self.when(user.created_at),
        }
        if user.tags:
            out["Tags"] = _tags(user.tags)
        return out

    def policy_view(self, policy: pr.ManagedPolicy) -> dict[str, Any]:
        out: dict[str, Any] = {
            "PolicyName": policy.name,
            "PolicyId": policy.policy_id,
            "Arn": policy.arn,
            "Path": policy.path,
            "DefaultVersionId": "v1",
            "AttachmentCount": policy.attachments,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": self.when(policy.created_at),
            "UpdateDate": self.when(policy.created_at),
        }
        if policy.description:
            out["Description"] = policy.description
        if policy.tags:
            out["Tags"] = _tags(policy.tags)
        return out


# ----------------------------------------------------------------------------- roles
def create_role(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    role = svc.state.create_role(
        p["RoleName"],
        p["AssumeRolePolicyDocument"],
        path=p.get("Path", "/"),
        description=p.get("Description", ""),
        max_session_duration=p.get("MaxSessionDuration", 3600),
        tags=p.get("Tags", ()),
        now=svc.now(),
    )
    return {"Role": svc.role_view(role)}


def get_role(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    return {"Role": svc.role_view(svc.state.role(p["RoleName"]), full=True)}


def delete_role(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    role = svc.state.role(p["RoleName"])
    if role.attached or role.inline:
        raise AWSError(
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first.",
            409,
        )
    del svc.state.roles[role.name.lower()]
    return {}


def tag_role(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.tag(svc.state.role(p["RoleName"]), p["Tags"], "Role")
    return {}


def untag_role(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.untag(svc.state.role(p["RoleName"]), p["TagKeys"])
    return {}


def list_role_tags(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": _tags(svc.state.role(p["RoleName"]).tags), "IsTruncated": False}


def attach_role_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.attach(svc.state.role(p["RoleName"]), p["PolicyArn"])
    return {}


def detach_role_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.detach(svc.state.role(p["RoleName"]), p["PolicyArn"])
    return {}


def _attached(svc: IamService, identity: pr.Identity, prefix: str) -> dict[str, Any]:
    rows = []
    for arn in identity.attached:
        policy = svc.state.managed(arn)
        if policy.path.startswith(prefix):
            rows.append({"PolicyName": policy.name, "PolicyArn": arn})
    return {"AttachedPolicies": rows, "IsTruncated": False}


def list_attached_role_policies(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    return _attached(svc, svc.state.role(p["RoleName"]), p.get("PathPrefix", "/"))


def put_role_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.put_inline(svc.state.role(p["RoleName"]), p["PolicyName"], p["PolicyDocument"])
    return {}


def _inline(identity: pr.Identity, name: str, kind: str) -> Any:
    found = identity.inline.get(name)
    if found is None:
        raise AWSError(
            pr.NO_SUCH_ENTITY,
            f"The {kind} policy with name {name} cannot be found.",
            404,
        )
    return found


def get_role_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    role = svc.state.role(p["RoleName"])
    policy = _inline(role, p["PolicyName"], "role")
    return {
        "RoleName": role.name,
        "PolicyName": p["PolicyName"],
        "PolicyDocument": quote(policy.text),
    }


def delete_role_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    role = svc.state.role(p["RoleName"])
    _inline(role, p["PolicyName"], "role")
    del role.inline[p["PolicyName"]]
    return {}


def list_role_policies(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    role = svc.state.role(p["RoleName"])
    return {"PolicyNames": sorted(role.inline), "IsTruncated": False}


# ----------------------------------------------------------------------------- policies
def create_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    policy = svc.state.create_policy(
        p["PolicyName"],
        p["PolicyDocument"],
        path=p.get("Path", "/"),
        description=p.get("Description", ""),
        tags=p.get("Tags", ()),
        now=svc.now(),
    )
    return {"Policy": svc.policy_view(policy)}


def get_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    return {"Policy": svc.policy_view(svc.state.managed(p["PolicyArn"]))}


def get_policy_version(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    policy = svc.state.managed(p["PolicyArn"])
    if p["VersionId"] != "v1":
        raise AWSError(
            pr.NO_SUCH_ENTITY,
            f"Policy {policy.arn} version {p['VersionId']} does not exist or is not attachable.",
            404,
        )
    return {
        "PolicyVersion": {
            "Document": quote(policy.policy.text),
            "VersionId": "v1",
            "IsDefaultVersion": True,
            "CreateDate": svc.when(policy.created_at),
        }
    }


# ----------------------------------------------------------------------------- users
def create_user(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    user = svc.state.create_user(
        p["UserName"], path=p.get("Path", "/"), tags=p.get("Tags", ()), now=svc.now()
    )
    return {"User": svc.user_view(user)}


def get_user(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    if "UserName" not in p:
        raise errors.not_simulated("GetUser without UserName (the caller's own user)")
    return {"User": svc.user_view(svc.state.user(p["UserName"]))}


def tag_user(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.tag(svc.state.user(p["UserName"]), p["Tags"], "User")
    return {}


def untag_user(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.untag(svc.state.user(p["UserName"]), p["TagKeys"])
    return {}


def attach_user_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.attach(svc.state.user(p["UserName"]), p["PolicyArn"])
    return {}


def list_attached_user_policies(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    return _attached(svc, svc.state.user(p["UserName"]), p.get("PathPrefix", "/"))


def put_user_policy(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    svc.state.put_inline(svc.state.user(p["UserName"]), p["PolicyName"], p["PolicyDocument"])
    return {}


def create_access_key(svc: IamService, p: dict[str, Any]) -> dict[str, Any]:
    if "UserName" not in p:
        raise errors.not_simulated("CreateAccessKey without UserName (the caller's own user)")
    user = svc.state.user(p["UserName"])
    key = svc.state.create_access_key(user, svc.now())
    return {
        "AccessKey": {
            "UserName": user.name,
            "AccessKeyId": key.key_id,
            "Status": "Active",
            "SecretAccessKey": key.secret,
            "CreateDate": svc.when(key.created_at),
        }
    }


PAGING = ("Marker", "MaxItems")
OPERATIONS: Mapping[str, Operation] = {
    "CreateRole": op(
        create_role,
        ["RoleName", "AssumeRolePolicyDocument", "Path", "Description", "MaxSessionDuration"]
        + ["Tags"],
    ),
    "GetRole": op(get_role, ["RoleName"]),
    "DeleteRole": op(delete_role, ["RoleName"]),
    "TagRole": op(tag_role, ["RoleName", "Tags"]),
    "UntagRole": op(untag_role, ["RoleName", "TagKeys"]),
    "ListRoleTags": op(list_role_tags, ["RoleName"], inert=PAGING),
    "AttachRolePolicy": op(attach_role_policy, ["RoleName", "PolicyArn"]),
    "DetachRolePolicy": op(detach_role_policy, ["RoleName", "PolicyArn"]),
    "ListAttachedRolePolicies": op(
        list_attached_role_policies, ["RoleName", "PathPrefix"], inert=PAGING
    ),
    "PutRolePolicy": op(put_role_policy, ["RoleName", "PolicyName", "PolicyDocument"]),
    "GetRolePolicy": op(get_role_policy, ["RoleName", "PolicyName"]),
    "DeleteRolePolicy": op(delete_role_policy, ["RoleName", "PolicyName"]),
    "ListRolePolicies": op(list_role_policies, ["RoleName"], inert=PAGING),
    "CreatePolicy": op(
        create_policy, ["PolicyName", "PolicyDocument", "Path", "Description", "Tags"]
    ),
    "GetPolicy": op(get_policy, ["PolicyArn"]),
    "GetPolicyVersion": op(get_policy_version, ["PolicyArn", "VersionId"]),
    "CreateUser": op(create_user, ["UserName", "Path", "Tags"]),
    "GetUser": op(get_user, ["UserName"]),
    "TagUser": op(tag_user, ["UserName", "Tags"]),
    "UntagUser": op(untag_user, ["UserName", "TagKeys"]),
    "AttachUserPolicy": op(attach_user_policy, ["UserName", "PolicyArn"]),
    "ListAttachedUserPolicies": op(
        list_attached_user_policies, ["UserName", "PathPrefix"], inert=PAGING
    ),
    "PutUserPolicy": op(put_user_policy, ["UserName", "PolicyName", "PolicyDocument"]),
    "CreateAccessKey": op(create_access_key, ["UserName"]),
}
"""Every IAM operation ecsim simulates (lists answer in one page)."""
