"""Launch templates: versions ($Latest, $Default, numbers), RunInstances from a template
(the request's own params win over the template's data) and their errors."""

from __future__ import annotations

from typing import Any

from aws_helpers import IMAGE_ID, checked, error_of

from simulator.aws import SimulatedAWS


def fresh() -> tuple[SimulatedAWS, Any]:
    aws = SimulatedAWS(seed=12, validate_responses=True)
    return aws, aws.client("ec2")


def test_run_instances_from_a_template_version() -> None:
    _, ec2 = fresh()
    base = {"ImageId": IMAGE_ID, "InstanceType": "m6i.large", "KeyName": "ops"}
    created = checked(
        ec2, "create_launch_template", LaunchTemplateName="base", LaunchTemplateData=base
    )["LaunchTemplate"]
    assert (created["DefaultVersionNumber"], created["LatestVersionNumber"]) == (1, 1)
    checked(ec2, "create_launch_template_version", LaunchTemplateName="base",
            SourceVersion="1", LaunchTemplateData={"InstanceType": "m7g.large"})  # fmt: skip

    def launched(**params: Any) -> dict[str, Any]:
        out = checked(ec2, "run_instances", MinCount=1, MaxCount=1, **params)
        return out["Instances"][0]

    default = launched(LaunchTemplate={"LaunchTemplateName": "base"})
    assert (default["InstanceType"], default["KeyName"]) == ("m6i.large", "ops")
    latest = launched(LaunchTemplate={"LaunchTemplateName": "base", "Version": "$Latest"})
    assert (latest["InstanceType"], latest["KeyName"]) == ("m7g.large", "ops")  # from v1
    by_id = launched(LaunchTemplate={"LaunchTemplateId": created["LaunchTemplateId"],
                                     "Version": "2"}, InstanceType="c6i.large")  # fmt: skip
    assert by_id["InstanceType"] == "c6i.large"  # the request's own param wins
    checked(ec2, "modify_launch_template", LaunchTemplateName="base", DefaultVersion="2")
    assert launched(LaunchTemplate={"LaunchTemplateName": "base"})["InstanceType"] == "m7g.large"
    versions = checked(ec2, "describe_launch_template_versions", LaunchTemplateName="base")
    assert sorted(v["VersionNumber"] for v in versions["LaunchTemplateVersions"]) == [1, 2]
    assert [v["DefaultVersion"] for v in versions["LaunchTemplateVersions"]].count(True) == 1


def test_template_errors_use_ec2_codes() -> None:
    _, ec2 = fresh()
    checked(ec2, "create_launch_template", LaunchTemplateName="base",
            LaunchTemplateData={"ImageId": IMAGE_ID})  # fmt: skip
    missing = error_of(ec2, "run_instances", MinCount=1, MaxCount=1,
                       LaunchTemplate={"LaunchTemplateName": "nope"})  # fmt: skip
    assert missing["Code"] == "InvalidLaunchTemplateName.NotFoundException"
    version = error_of(ec2, "run_instances", MinCount=1, MaxCount=1,
                       LaunchTemplate={"LaunchTemplateName": "base", "Version": "7"})  # fmt: skip
    assert version["Code"] == "InvalidLaunchTemplateId.VersionNotFound"
    malformed = error_of(ec2, "describe_launch_templates", LaunchTemplateIds=["x-1"])
    assert malformed["Code"] == "InvalidLaunchTemplateId.Malformed"
    duplicate = error_of(ec2, "create_launch_template", LaunchTemplateName="base",
                         LaunchTemplateData={"ImageId": IMAGE_ID})  # fmt: skip
    assert duplicate["Code"] == "InvalidLaunchTemplateName.AlreadyExistsException"
    checked(ec2, "delete_launch_template", LaunchTemplateName="base")
    assert checked(ec2, "describe_launch_templates")["LaunchTemplates"] == []
