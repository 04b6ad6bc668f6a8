"""ECS's error codes, failure reasons and message texts, each with where it was verified.

"Verified" means the exact text was found in a primary source or in a live AWS answer quoted
in a public issue; the source is named beside each constant. Texts marked "ecsim wording"
have no public source: the code is AWS's, the sentence is ours, and tests do not pin them.
"""

from __future__ import annotations

# --- error codes (botocore ecs 2014-11-13 service-2.json) ------------------------------------
CLIENT_EXCEPTION = "ClientException"
INVALID_PARAMETER = "InvalidParameterException"

# --- RegisterTaskDefinition (ClientException) -------------------------------------------------
INVALID_TASK_CPU = (
    "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section "
    "of the Amazon ECS Developer Guide."
)
"""awsdocs/amazon-ecs-developer-guide doc_source/task-cpu-memory-error.md (verbatim)."""

INVALID_TASK_MEMORY = (
    "Invalid 'memory' setting for task. For more information, see the Troubleshooting section "
    "of the Amazon ECS Developer Guide."
)
"""ecsim wording, by analogy with INVALID_TASK_CPU (no public source found)."""

NO_FARGATE_CONFIGURATION = (
    "No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. "
    "See the Amazon ECS documentation for the valid values."
)
"""Live answers: aws-games/cloud-game-development-toolkit#737 ("1024 CPU, 1024 memory"),
towardsthecloud/aws-cdk-examples#1 ("512 CPU, 512 memory"). Before 2022 the text ended at
"given values." (aws/amazon-ecs-cli#463)."""

FARGATE_REQUIRES_TASK_CPU = "Fargate requires that 'cpu' be defined at the task level."
"""Live answers: hackoregon/civic-devops#246, mongodb/terraform-aws-ecs-task-definition#38."""

FARGATE_REQUIRES_TASK_MEMORY = "Fargate requires that 'memory' be defined at the task level."
"""Live answer: aws/amazon-ecs-cli#982."""

FARGATE_REQUIRES_AWSVPC = "Fargate only supports network mode \u2018awsvpc\u2019."
"""Live answer: aws/amazon-ecs-cli#1145 (note the typographic quotes)."""

CONTAINER_MEMORY_REQUIRED = (
    "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' "
    "must be specified."
)
"""Live answers: sil-org/ecs-deploy#59, aws/aws-cli#4453; moto TaskDefinitionMemoryError."""

CONTAINER_MEMORY_BELOW_RESERVATION = (
    "Invalid setting for container '{name}'. 'memory' must be greater than or equal to "
    "'memoryReservation'."
)
"""ecsim wording. Rule: ContainerDefinition.memory doc (botocore); "or equal" per
awsdocs/amazon-ecs-developer-guide#242."""

CONTAINER_MEMORY_ABOVE_TASK = (
    "The 'memory' setting for container '{name}' is greater than for the task."
)
"""Live answers: pulumi/pulumi-awsx#188 and #1220."""

CONTAINER_CPU_SUM_ABOVE_TASK = (
    "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."
)
"""Live answer quoted in klothoplatform/klotho#892."""

CONTAINER_RESERVATION_SUM_ABOVE_TASK = (
    "The sum of all container 'memoryReservation' values cannot be greater than the value of "
    "the task 'memory'."
)
"""Live answer quoted in cloudnativedaysjp/dreamkast-infra#4766."""

NO_ESSENTIAL_CONTAINER = "Task definition doesn't have any essential container."
"""Live answer quoted in eagletmt/hako#68 (aws-sdk-ruby ClientException)."""

CONTAINER_LIST_EMPTY = "Container list cannot be empty."
"""Live answer quoted in awsdocs/aws-cloudformation-user-guide#454."""

CONTAINER_FIELD_EMPTY = "Container.{field} should not be null or empty."
"""Live answers: hashicorp/terraform#2888 (name), prefect-archive/prefect-aws#159 (image)."""

AWSVPC_PORTS_MUST_MATCH = (
    "When networkMode=awsvpc, the host ports and container ports in port mappings must match."
)
"""Live answer quoted in klothoplatform/klotho#892."""

HOST_PORTS_MUST_MATCH = (
    "When networkMode=host, the host ports and container ports in port mappings must match."
)
"""ecsim wording, by analogy with AWSVPC_PORTS_MUST_MATCH; rule from the PortMapping doc."""

NONE_MODE_NO_PORTS = "Port mappings are not supported when networkMode=none."
"""ecsim wording; rule from the ContainerDefinition.portMappings doc."""

INVALID_NETWORK_MODE = "Invalid networkMode '{value}'. Valid values: bridge, host, awsvpc, none."
"""ecsim wording; values from botocore's NetworkMode enum."""

INVALID_COMPATIBILITY = "Invalid requiresCompatibilities value '{value}'."
"""ecsim wording; values from botocore's Compatibility enum."""

INVALID_CPU_ARCHITECTURE = "Invalid runtimePlatform.cpuArchitecture '{value}'."
"""ecsim wording; values from botocore's CPUArchitecture enum."""

CONSTRAINT_TYPE_NOT_SUPPORTED = "constraint.type '{type}' is not supported."
"""Live answer quoted in aws-samples/aws-cdk-examples#628 (distinctInstance in a task
definition)."""

TOO_MANY_CONSTRAINTS = "Too many placement constraints: {count} (the maximum is {limit})."
"""ecsim wording; limit from the RegisterTaskDefinition placementConstraints doc."""

UNABLE_TO_DESCRIBE = "Unable to describe task definition."
"""Live answer quoted in getmoto/moto#5910 and sil-org/ecs-deploy#145."""

# --- placement request validation (InvalidParameterException) --------------------------------
DISTINCT_INSTANCE_EXPRESSION = "distinctInstance expression should not be specified."
"""Live answers: hashicorp/terraform#11446 and #11471."""

MEMBER_OF_NEEDS_EXPRESSION = "memberOf constraint requires an expression."
"""ecsim wording."""

UNKNOWN_CONSTRAINT_TYPE = "Unknown placement constraint type '{type}'."
"""ecsim wording; values from botocore's PlacementConstraintType enum."""

TOO_MANY_STRATEGIES = "Too many placement strategies: {count} (the maximum is {limit})."
"""ecsim wording; limit from the developer guide (up to 5 strategies)."""

INVALID_STRATEGY = "Invalid placement strategy {strategy}: {why}."
"""ecsim wording; valid fields from the PlacementStrategy.field doc."""

INVALID_EXPRESSION = "Invalid constraint expression '{expression}': {why} at position {position}."
"""ecsim wording (position is a 0-based character offset); AWS's parser text is not public."""

NO_CONTAINER_INSTANCES = "No Container Instances were found in your cluster."
"""RunTask answers InvalidParameterException with this text (aws/amazon-ecs-cli#1122,
awsdocs/amazon-ecs-developer-guide#1); the service event uses it as its Reason."""

# --- RunTask ``failures[].reason`` (awsdocs api_failures_messages.md) -------------------------
RESOURCE_CPU = "RESOURCE:CPU"
RESOURCE_MEMORY = "RESOURCE:MEMORY"
RESOURCE_PORTS = "RESOURCE:PORTS"
RESOURCE_PORTS_UDP = "RESOURCE:PORTS_UDP"
"""RESOURCE:* with the resource's registered name; PORTS_UDP is that pattern applied to the
PORTS_UDP resource (not seen in a live answer)."""
RESOURCE_ENI = "RESOURCE:ENI"
"""api_failures_messages.md; live: aws/containers-roadmap#332."""
ATTRIBUTE = "ATTRIBUTE"
AGENT = "AGENT"
INACTIVE = "INACTIVE"
MEMBER_OF_UNSATISFIED = "MemberOf placement constraint unsatisfied."
"""Live answer quoted in aws/amazon-ecs-agent#3044."""
DISTINCT_INSTANCE_UNSATISFIED = "DistinctInstance placement constraint unsatisfied."
"""Live service event quoted in aws/containers-roadmap#1201."""

# --- service events (awsdocs service-event-messages.md and live answers) -----------------------
UNABLE_TO_PLACE = (
    "service {service} was unable to place a task because no container instance met all of "
    "its requirements."
)
"""service-event-messages.md."""

CLOSEST_MATCH = "The closest matching container-instance {container_instance} {phrase}"

CLOSEST_PHRASES = {
    RESOURCE_CPU: "has insufficient CPU units available.",
    RESOURCE_MEMORY: "has insufficient memory available.",
    RESOURCE_PORTS: "is already using a port required by your task.",
    RESOURCE_PORTS_UDP: "is already using a port required by your task.",
    ATTRIBUTE: "is missing an attribute required by your task.",
}
"""CPU: service-event-messages.md; memory: diem/diem#1099; ports: service-event-messages.md;
attribute: pulumi/pulumi-cloud#454. Every other reason is rendered as ENCOUNTERED_ERROR."""

ENCOUNTERED_ERROR = 'encountered error "{reason}".'
"""service-event-messages.md ("AGENT"); live: aws/aws-app-mesh-examples#342 ("RESOURCE:ENI"),
aws/containers-roadmap#1201 ("DistinctInstance placement constraint unsatisfied.")."""

REASON = "Reason: {reason}"
"""ptokito/ECSClusterWithTerraform#3 ("Reason: No Container Instances were found in your
cluster.")."""

TROUBLESHOOTING = (
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
)
"""Current suffix (2023 onwards: pulumi/pulumi-cloud#454 era texts end earlier; 2024 answers in
The-Swarm-Corporation/swarms-cloud#24 carry this one)."""

TROUBLESHOOTING_LEGACY = "For more information, see the Troubleshooting section."
"""Older suffix (diem/diem#1099, 2019)."""

INVALID_FAMILY = (
    "Invalid family '{family}': up to 255 letters (uppercase and lowercase), numbers, "
    "underscores, and hyphens are allowed."
)
"""ecsim wording; the rule is the RegisterTaskDefinition family doc."""

TASK_DEFINITION_NOT_FOUND = "The specified task definition does not exist."
"""moto's wording (moto/ecs/exceptions.py TaskDefinitionNotFoundException) for a revision
that was never registered; not seen in a live AWS answer."""
