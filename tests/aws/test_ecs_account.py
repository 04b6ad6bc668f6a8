"""ECS tags by ARN, account settings, RegisterContainerInstance, DeleteTaskDefinitions."""

from __future__ import annotations

import json
from typing import Any

from ecs_api_helpers import IMAGE_ID, call, error, taskdef

from simulator.aws import SimulatedAWS


def fresh() -> tuple[SimulatedAWS, Any, Any]:
    aws = SimulatedAWS(seed=6, validate_responses=True)
    return aws, aws.client("ec2"), aws.client("ecs")


def test_tags_on_clusters_services_task_definitions_and_instances() -> None:
    aws, ec2, ecs = fresh()
    cluster = call(ecs, "create_cluster", clusterName="c")["cluster"]["clusterArn"]
    td = call(ecs, "register_task_definition", **taskdef())["taskDefinition"]["taskDefinitionArn"]
    service = call(
        ecs, "create_service", cluster="c", serviceName="web", taskDefinition="web", desiredCount=0
    )["service"]["serviceArn"]
    for arn in (cluster, td, service):
        call(
            ecs,
            "tag_resource",
            resourceArn=arn,
            tags=[{"key": "team", "value": "ops"}, {"key": "tier", "value": "1"}],
        )
        call(ecs, "untag_resource", resourceArn=arn, tagKeys=["tier"])
        assert call(ecs, "list_tags_for_resource", resourceArn=arn)["tags"] == [
            {"key": "team", "value": "ops"}
        ]
    assert call(ecs, "describe_clusters", clusters=["c"], include=["TAGS"])["clusters"][0][
        "tags"
    ] == [{"key": "team", "value": "ops"}]
    missing = error(
        ecs,
        "tag_resource",
        resourceArn=cluster.replace("/c", "/nope"),
        tags=[{"key": "a", "value": "b"}],
    )
    assert missing[0] == "ResourceNotFoundException"


def test_account_settings_are_kept_with_defaults() -> None:
    _, _, ecs = fresh()
    out = call(ecs, "put_account_setting", name="containerInsights", value="enabled")
    assert out["setting"]["principalArn"] == "arn:aws:iam::123456789012:root"
    call(ecs, "put_account_setting_default", name="awsvpcTrunking", value="enabled")
    own = call(ecs, "list_account_settings")["settings"]
    assert [(s["name"], s["value"]) for s in own] == [("containerInsights", "enabled")]
    pages = ecs.get_paginator("list_account_settings").paginate(effectiveSettings=True)
    effective = {s["name"]: s["value"] for p in pages for s in p["settings"]}
    assert effective["awsvpcTrunking"] == "enabled"
    assert effective["serviceLongArnFormat"] == "enabled"
    assert len(effective) == 11
    bad = error(ecs, "put_account_setting", name="taskLongArnFormat", value="sometimes")
    assert bad[0] == "InvalidParameterException"


def test_an_instance_registers_by_api() -> None:
    aws, ec2, ecs = fresh()
    call(ecs, "create_cluster", clusterName="c")
    iid = call(
        ec2, "run_instances", ImageId=IMAGE_ID, InstanceType="c4.large", MinCount=1, MaxCount=1
    )["Instances"][0]["InstanceId"]
    doc = json.dumps({"instanceId": iid, "instanceType": "c4.large"})
    early = error(ecs, "register_container_instance", cluster="c", instanceIdentityDocument=doc)
    assert early[0] == "ClientException", "not running yet"
    aws.advance("1m")
    ci = call(
        ecs,
        "register_container_instance",
        cluster="c",
        instanceIdentityDocument=doc,
        instanceIdentityDocumentSignature="sig",
    )["containerInstance"]
    assert (ci["ec2InstanceId"], ci["status"]) == (iid, "ACTIVE")
    listed = call(ecs, "list_container_instances", cluster="c")["containerInstanceArns"]
    assert listed == [ci["containerInstanceArn"]]
    call(
        ecs,
        "deregister_container_instance",
        cluster="c",
        containerInstance=ci["containerInstanceArn"],
    )
    assert call(ecs, "list_container_instances", cluster="c")["containerInstanceArns"] == []


def test_only_inactive_task_definitions_are_deleted() -> None:
    _, _, ecs = fresh()
    arns = [
        call(ecs, "register_task_definition", **taskdef())["taskDefinition"]["taskDefinitionArn"]
        for _ in range(2)
    ]
    out = call(ecs, "delete_task_definitions", taskDefinitions=arns[:1])
    assert out["taskDefinitions"] == [] and "ACTIVE" in out["failures"][0]["reason"]
    call(ecs, "deregister_task_definition", taskDefinition=arns[0])
    out = call(ecs, "delete_task_definitions", taskDefinitions=arns[:1])
    assert out["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS"
    listed = call(ecs, "list_task_definitions", status="DELETE_IN_PROGRESS")
    assert listed["taskDefinitionArns"] == arns[:1]
    assert call(ecs, "list_task_definitions")["taskDefinitionArns"] == arns[1:]


def test_list_calls_filter_and_page() -> None:
    """ListServices (schedulingStrategy, launchType, 10 a page by default),
    ListTaskDefinitionFamilies (familyPrefix is a prefix; status ACTIVE / INACTIVE / ALL)
    and ListTaskDefinitions (familyPrefix a whole family), each paged by maxResults."""
    _, _, ecs = fresh()
    call(ecs, "create_cluster", clusterName="c")
    call(ecs, "register_task_definition", **taskdef("svc"))
    for n in range(12):
        call(ecs, "create_service", cluster="c", serviceName=f"r{n:02d}", taskDefinition="svc",
             desiredCount=0, launchType="EC2")  # fmt: skip
    call(ecs, "create_service", cluster="c", serviceName="d", taskDefinition="svc",
         schedulingStrategy="DAEMON", launchType="EC2")  # fmt: skip
    first = call(ecs, "list_services", cluster="c")
    assert len(first["serviceArns"]) == 10 and first["nextToken"]
    rest = call(ecs, "list_services", cluster="c", nextToken=first["nextToken"])
    assert len(rest["serviceArns"]) == 3 and "nextToken" not in rest
    daemons = call(ecs, "list_services", cluster="c", schedulingStrategy="DAEMON")
    assert [a.rsplit("/", 1)[-1] for a in daemons["serviceArns"]] == ["d"]
    replicas = call(ecs, "list_services", cluster="c", schedulingStrategy="REPLICA",
                    maxResults=100)  # fmt: skip
    assert len(replicas["serviceArns"]) == 12
    assert call(ecs, "list_services", cluster="c", launchType="FARGATE")["serviceArns"] == []
    pages = ecs.get_paginator("list_services").paginate(
        cluster="c", launchType="EC2", PaginationConfig={"PageSize": 5}
    )
    assert sum(len(p["serviceArns"]) for p in pages) == 13

    for family in ("api", "api-worker", "batch"):
        call(ecs, "register_task_definition", **taskdef(family))
    call(ecs, "register_task_definition", **taskdef("api"))
    call(ecs, "deregister_task_definition", taskDefinition="batch:1")

    def families(**params: Any) -> list[str]:
        return call(ecs, "list_task_definition_families", **params)["families"]

    assert families() == ["api", "api-worker", "svc"]
    assert families(familyPrefix="api") == ["api", "api-worker"]
    assert families(status="INACTIVE") == ["batch"]
    assert families(status="ALL") == ["api", "api-worker", "batch", "svc"]
    page1 = call(ecs, "list_task_definition_families", status="ALL", maxResults=3)
    assert page1["families"] == ["api", "api-worker", "batch"]
    page2 = call(ecs, "list_task_definition_families", status="ALL", nextToken=page1["nextToken"])
    assert page2["families"] == ["svc"] and "nextToken" not in page2
    api = call(ecs, "list_task_definitions", familyPrefix="api", maxResults=1)
    assert [a.rsplit("/", 1)[-1] for a in api["taskDefinitionArns"]] == ["api:1"]
    more = call(ecs, "list_task_definitions", familyPrefix="api", nextToken=api["nextToken"])
    assert [a.rsplit("/", 1)[-1] for a in more["taskDefinitionArns"]] == ["api:2"]
