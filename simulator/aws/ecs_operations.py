"""Every ECS operation ecsim simulates: its handler, the params it simulates, and the params
it accepts without effect (tags, networking, execute-command...)."""

from __future__ import annotations

from collections.abc import Mapping

from simulator.aws import ecs as c
from simulator.aws import ecs_account as a
from simulator.aws import ecs_capacity as cp
from simulator.aws import ecs_deployments as sd
from simulator.aws import ecs_services as s
from simulator.aws import ecs_task_sets as ts
from simulator.aws import ecs_tasks as t
from simulator.aws.operations import Operation, op
from simulator.ecs.task_definition import MODELLED_FIELDS

PAGING = ("nextToken", "maxResults")

OPERATIONS: Mapping[str, Operation] = {
    # clusters
    "CreateCluster": op(
        c.create_cluster,
        ["clusterName", "tags", "capacityProviders", "defaultCapacityProviderStrategy"],
        inert=["settings", "configuration"],
    ),
    "DescribeClusters": op(c.describe_clusters, ["clusters"], inert=["include"]),
    "ListClusters": op(c.list_clusters, PAGING),
    "DeleteCluster": op(c.delete_cluster, ["cluster"]),
    # task definitions
    "RegisterTaskDefinition": op(
        c.register_task_definition,
        [*sorted(MODELLED_FIELDS), "tags"],
        inert=[
            "volumes",
            "pidMode",
            "ipcMode",
            "proxyConfiguration",
            "inferenceAccelerators",
            "ephemeralStorage",
            "enableFaultInjection",
        ],
    ),
    "DescribeTaskDefinition": op(c.describe_task_definition, ["taskDefinition", "include"]),
    "ListTaskDefinitions": op(c.list_task_definitions, ["familyPrefix", "status", "sort", *PAGING]),
    "ListTaskDefinitionFamilies": op(
        c.list_task_definition_families, ["familyPrefix", "status", *PAGING]
    ),
    "DeregisterTaskDefinition": op(c.deregister_task_definition, ["taskDefinition"]),
    # container instances
    "ListContainerInstances": op(
        c.list_container_instances, ["cluster", "filter", "status", *PAGING]
    ),
    "DescribeContainerInstances": op(
        c.describe_container_instances, ["cluster", "containerInstances"], inert=["include"]
    ),
    "UpdateContainerInstancesState": op(
        c.update_container_instances_state, ["cluster", "containerInstances", "status"]
    ),
    "DeregisterContainerInstance": op(
        c.deregister_container_instance, ["cluster", "containerInstance", "force"]
    ),
    # tasks
    "RunTask": op(
        t.run_task,
        [
            "cluster",
            "taskDefinition",
            "count",
            "placementStrategy",
            "placementConstraints",
            "launchType",
            "capacityProviderStrategy",
            "group",
            "startedBy",
            "overrides",
            "tags",
        ],
        inert=[
            "networkConfiguration",
            "enableECSManagedTags",
            "enableExecuteCommand",
            "propagateTags",
            "referenceId",
            "clientToken",
            "platformVersion",
        ],
    ),
    "StartTask": op(
        t.start_task,
        [
            "cluster",
            "taskDefinition",
            "containerInstances",
            "group",
            "startedBy",
            "overrides",
            "tags",
        ],
        inert=[
            "networkConfiguration",
            "enableECSManagedTags",
            "enableExecuteCommand",
            "propagateTags",
            "referenceId",
        ],
    ),
    "StopTask": op(t.stop_task, ["cluster", "task", "reason"]),
    "DescribeTasks": op(t.describe_tasks, ["cluster", "tasks"], inert=["include"]),
    "ListTasks": op(
        t.list_tasks,
        [
            "cluster",
            "containerInstance",
            "family",
            "startedBy",
            "serviceName",
            "desiredStatus",
            "launchType",
            *PAGING,
        ],
    ),
    # services
    "CreateService": op(
        s.create_service,
        [
            "cluster",
            "serviceName",
            "taskDefinition",
            "desiredCount",
            "launchType",
            "capacityProviderStrategy",
            "placementStrategy",
            "placementConstraints",
            "deploymentConfiguration",
            "schedulingStrategy",
            "healthCheckGracePeriodSeconds",
            "deploymentController",
            "loadBalancers",
            "serviceRegistries",
            "serviceConnectConfiguration",
            "tags",
        ],
        inert=[
            "clientToken",
            "platformVersion",
            "role",
            "networkConfiguration",
            "enableECSManagedTags",
            "propagateTags",
            "enableExecuteCommand",
            "availabilityZoneRebalancing",
        ],
    ),
    "UpdateService": op(
        s.update_service,
        [
            "cluster",
            "service",
            "desiredCount",
            "taskDefinition",
            "capacityProviderStrategy",
            "deploymentConfiguration",
            "placementStrategy",
            "placementConstraints",
            "forceNewDeployment",
            "healthCheckGracePeriodSeconds",
            "deploymentController",
            "loadBalancers",
            "serviceRegistries",
            "serviceConnectConfiguration",
            "networkConfiguration",
        ],
        inert=[
            "platformVersion",
            "enableExecuteCommand",
            "enableECSManagedTags",
            "propagateTags",
            "availabilityZoneRebalancing",
        ],
    ),
    "DeleteService": op(s.delete_service, ["cluster", "service", "force"]),
    # task sets (EXTERNAL / CODE_DEPLOY services)
    "CreateTaskSet": op(
        ts.create_task_set,
        [
            "cluster",
            "service",
            "taskDefinition",
            "externalId",
            "loadBalancers",
            "launchType",
            "capacityProviderStrategy",
            "networkConfiguration",
            "scale",
            "tags",
        ],
        inert=["clientToken", "platformVersion"],
    ),
    "UpdateTaskSet": op(ts.update_task_set, ["cluster", "service", "taskSet", "scale"]),
    "UpdateServicePrimaryTaskSet": op(
        ts.update_service_primary_task_set, ["cluster", "service", "primaryTaskSet"]
    ),
    "DeleteTaskSet": op(ts.delete_task_set, ["cluster", "service", "taskSet", "force"]),
    "DescribeTaskSets": op(
        ts.describe_task_sets, ["cluster", "service", "taskSets"], inert=["include"]
    ),
    # ECS-native blue/green, linear and canary deployments
    "ListServiceDeployments": op(
        sd.list_service_deployments, ["cluster", "service", "status", "createdAt", *PAGING]
    ),
    "DescribeServiceDeployments": op(sd.describe_service_deployments, ["serviceDeploymentArns"]),
    "StopServiceDeployment": op(sd.stop_service_deployment, ["serviceDeploymentArn", "stopType"]),
    "DescribeServices": op(s.describe_services, ["cluster", "services"], inert=["include"]),
    "ListServices": op(s.list_services, ["cluster", "launchType", "schedulingStrategy", *PAGING]),
    # capacity providers
    "CreateCapacityProvider": op(
        cp.create_capacity_provider, ["name", "autoScalingGroupProvider", "tags"]
    ),
    "DescribeCapacityProviders": op(
        cp.describe_capacity_providers, ["capacityProviders", *PAGING], inert=["include"]
    ),
    "PutClusterCapacityProviders": op(
        cp.put_cluster_capacity_providers,
        ["cluster", "capacityProviders", "defaultCapacityProviderStrategy"],
    ),
    # account-wide: tags, settings, registration by API, deleting task definitions
    "TagResource": op(a.tag_resource, ["resourceArn", "tags"]),
    "UntagResource": op(a.untag_resource, ["resourceArn", "tagKeys"]),
    "ListTagsForResource": op(a.list_tags_for_resource, ["resourceArn"]),
    "PutAccountSetting": op(a.put_account_setting, ["name", "value", "principalArn"]),
    "PutAccountSettingDefault": op(a.put_account_setting_default, ["name", "value"]),
    "DeleteAccountSetting": op(a.delete_account_setting, ["name", "principalArn"]),
    "ListAccountSettings": op(
        a.list_account_settings, ["name", "value", "principalArn", "effectiveSettings", *PAGING]
    ),
    "RegisterContainerInstance": op(
        a.register_container_instance,
        ["cluster", "instanceIdentityDocument", "totalResources", "tags"],
        inert=[
            "instanceIdentityDocumentSignature",
            "versionInfo",
            "containerInstanceArn",
            "attributes",
            "platformDevices",
        ],
    ),
    "DeleteTaskDefinitions": op(a.delete_task_definitions, ["taskDefinitions"]),
}
"""Every ECS operation ecsim simulates."""

c.EcsService.operations = OPERATIONS  # the table every EcsService answers with
