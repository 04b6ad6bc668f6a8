"""Launch templates: Create/Describe/Delete/ModifyLaunchTemplate, their versions, and
RunInstances from a template (the Auto Scaling facade launches through it too).

A version's data is kept as the caller gave it; RunInstances merges it under the request's
own parameters (a parameter given in the request wins, as the API reference says).
Template data that RunInstances would not simulate is refused when the instance launches,
naming the member, never silently dropped.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors
from simulator.aws.ec2_instance_types import fit
from simulator.aws.ec2_views import tag_list
from simulator.aws.filters import apply_filters, paginate
from simulator.core.errors import AWSError

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

NAME_NOT_FOUND = "InvalidLaunchTemplateName.NotFoundException"
ID_NOT_FOUND = "InvalidLaunchTemplateId.NotFound"
ID_MALFORMED = "InvalidLaunchTemplateId.Malformed"
ALREADY_EXISTS = "InvalidLaunchTemplateName.AlreadyExistsException"
VERSION_NOT_FOUND = "InvalidLaunchTemplateId.VersionNotFound"
"""EC2 error codes list (launch templates)."""
CODES = frozenset({NAME_NOT_FOUND, ID_NOT_FOUND, ID_MALFORMED, ALREADY_EXISTS, VERSION_NOT_FOUND})


@dataclass
class LaunchTemplate:
    template_id: str
    name: str
    created_at: float
    versions: list[tuple[dict[str, Any], str | None, float]] = field(default_factory=list)
    default_version: int = 1
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def latest(self) -> int:
        return len(self.versions)


class Templates:
    """The account's launch templates, by id (creation order)."""

    def __init__(self) -> None:
        self.by_id: dict[str, LaunchTemplate] = {}
        self._next = 1

    def new_id(self) -> str:
        tid = f"lt-{self._next:017x}"
        self._next += 1
        return tid

    def find(self, template_id: str | None, name: str | None) -> LaunchTemplate:
        if template_id is None and name is None:
            raise AWSError(
                errors.MISSING_PARAMETER,
                "The request must contain the parameter LaunchTemplateName or LaunchTemplateId",
            )
        if template_id is not None:
            if not template_id.startswith("lt-"):
                raise AWSError(ID_MALFORMED, f"The launch template ID '{template_id}' is malformed")
            found = self.by_id.get(template_id)
            if found is None:
                raise AWSError(
                    ID_NOT_FOUND,
                    f"The specified launch template, with template ID "
                    f"{template_id}, does not exist.",
                )
            return found
        for t in self.by_id.values():
            if t.name == name:
                return t
        raise AWSError(
            NAME_NOT_FOUND,
            f"The specified launch template, with template name {name}, does not exist.",
        )

    def version(self, t: LaunchTemplate, version: str | int | None) -> int:
        """A version number from '$Latest', '$Default', a number or None ($Default)."""
        if version in (None, "$Default"):
            return t.default_version
        if version == "$Latest":
            return t.latest
        text = str(version)
        if not text.isdigit() or not 1 <= int(text) <= t.latest:
            raise AWSError(
                VERSION_NOT_FOUND,
                f"Could not find launch template version {version} for template {t.template_id}",
            )
        return int(text)

    def data(self, spec: dict[str, Any]) -> tuple[LaunchTemplate, int, dict[str, Any]]:
        """(template, version, its data) of a LaunchTemplateSpecification."""
        t = self.find(spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName"))
        n = self.version(t, spec.get("Version"))
        return t, n, copy.deepcopy(t.versions[n - 1][0])


def _templates(svc: Ec2Service) -> Templates:
    return svc.templates


def merged_run_params(svc: Ec2Service, p: dict[str, Any], allowed: frozenset[str]) -> dict:
    """RunInstances params with its LaunchTemplate's data filled in under them."""
    spec = p.pop("LaunchTemplate", None)
    if spec is None:
        return p
    _, _, data = _templates(svc).data(spec)
    extra = sorted(set(data) - allowed)
    if extra:
        raise errors.not_simulated(
            f"the launch template member(s) {', '.join(extra)} in RunInstances", allowed
        )
    if "TagSpecifications" in data and "TagSpecifications" in p:
        p["TagSpecifications"] = [*data.pop("TagSpecifications"), *p["TagSpecifications"]]
    return {**data, **p}


def _template_view(svc: Ec2Service, t: LaunchTemplate) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LaunchTemplateId": t.template_id,
        "LaunchTemplateName": t.name,
        "CreateTime": svc.account.timestamp(t.created_at),
        "CreatedBy": f"arn:aws:iam::{svc.account.account_id}:root",
        "DefaultVersionNumber": t.default_version,
        "LatestVersionNumber": t.latest,
    }
    if t.tags:
        out["Tags"] = tag_list(t.tags)
    return out


def _version_view(
    svc: Ec2Service, model: OperationModel, t: LaunchTemplate, n: int
) -> dict[str, Any]:
    data, description, at = t.versions[n - 1]
    shape = model.service_model.shape_for("ResponseLaunchTemplateData")
    out: dict[str, Any] = {
        "LaunchTemplateId": t.template_id,
        "LaunchTemplateName": t.name,
        "VersionNumber": n,
        "CreateTime": svc.account.timestamp(at),
        "CreatedBy": f"arn:aws:iam::{svc.account.account_id}:root",
        "DefaultVersion": n == t.default_version,
        "LaunchTemplateData": fit(copy.deepcopy(data), shape),
    }
    if description is not None:
        out["VersionDescription"] = description
    return out


def create_launch_template(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    templates = _templates(svc)
    name = p["LaunchTemplateName"]
    if any(t.name == name for t in templates.by_id.values()):
        raise AWSError(ALREADY_EXISTS, "Launch template name already in use.")
    tags = svc.tags(p.get("TagSpecifications"), "launch-template")
    t = LaunchTemplate(templates.new_id(), name, svc.account.now, tags=tags)
    t.versions.append((dict(p["LaunchTemplateData"]), p.get("VersionDescription"), t.created_at))
    templates.by_id[t.template_id] = t
    return {"LaunchTemplate": _template_view(svc, t)}


def create_launch_template_version(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """A new version; with SourceVersion its data starts from that version's."""
    templates = _templates(svc)
    t = templates.find(p.get("LaunchTemplateId"), p.get("LaunchTemplateName"))
    data: dict[str, Any] = {}
    if "SourceVersion" in p:
        data = copy.deepcopy(t.versions[templates.version(t, p["SourceVersion"]) - 1][0])
    data.update(p["LaunchTemplateData"])
    t.versions.append((data, p.get("VersionDescription"), svc.account.now))
    return {"LaunchTemplateVersion": _version_view(svc, model, t, t.latest)}


def modify_launch_template(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    templates = _templates(svc)
    t = templates.find(p.get("LaunchTemplateId"), p.get("LaunchTemplateName"))
    if "DefaultVersion" in p:
        t.default_version = templates.version(t, p["DefaultVersion"])
    return {"LaunchTemplate": _template_view(svc, t)}


def delete_launch_template(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    templates = _templates(svc)
    t = templates.find(p.get("LaunchTemplateId"), p.get("LaunchTemplateName"))
    del templates.by_id[t.template_id]
    return {"LaunchTemplate": _template_view(svc, t)}


TEMPLATE_FILTERS = {
    "launch-template-name": lambda t: [t.name],
    "create-time": lambda t: [],
}


def describe_launch_templates(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    templates = _templates(svc)
    rows = list(templates.by_id.values())
    ids, names = p.get("LaunchTemplateIds") or [], p.get("LaunchTemplateNames") or []
    if ids or names:
        rows = [templates.find(i, None) for i in ids] + [templates.find(None, n) for n in names]
    rows = apply_filters(
        rows, p.get("Filters"), TEMPLATE_FILTERS, operation_model=model, tags=lambda t: t.tags
    )
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=1, high=200)
    out: dict[str, Any] = {"LaunchTemplates": [_template_view(svc, t) for t in page]}
    if token:
        out["NextToken"] = token
    return out


def _version_number(value: str | None, default: int, field: str) -> int:
    """MinVersion / MaxVersion: a version number (a string in EC2's model)."""
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise AWSError(
            "InvalidParameterValue", f"The {field} '{value}' is not a valid version number."
        ) from None


def describe_launch_template_versions(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    templates = _templates(svc)
    t = templates.find(p.get("LaunchTemplateId"), p.get("LaunchTemplateName"))
    if p.get("Versions"):
        numbers = [templates.version(t, v) for v in p["Versions"]]
    else:
        low = _version_number(p.get("MinVersion"), 1, "MinVersion")
        high = _version_number(p.get("MaxVersion"), t.latest, "MaxVersion")
        numbers = [n for n in range(t.latest, 0, -1) if low <= n <= high]
    numbers = list(dict.fromkeys(numbers))
    page, token = paginate(numbers, p.get("MaxResults"), p.get("NextToken"), low=1, high=200)
    out: dict[str, Any] = {
        "LaunchTemplateVersions": [_version_view(svc, model, t, n) for n in page]
    }
    if token:
        out["NextToken"] = token
    return out
