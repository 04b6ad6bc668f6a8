"""Task definitions: parsing, ECS's validation texts, revisions and placement requirements."""

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shape_check import problems

from simulator.core.errors import AWSError
from simulator.ecs import codes
from simulator.ecs.facts import fargate_size_valid
from simulator.ecs.task_definition import (
    Compatibility,
    NetworkMode,
    TaskDefinitionInputError,
    TaskDefinitionRegistry,
    parse_task_cpu,
    parse_task_definition,
    parse_task_memory,
)


def container(**kw):
    base = {"name": "app", "image": "nginx", "memory": 512}
    base.update(kw)
    return base


def td(**kw):
    base = {"family": "web", "containerDefinitions": [container()]}
    base.update(kw)
    return base


def fargate(cpu="256", memory="512", **kw):
    return td(
        requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu=cpu, memory=memory, **kw
    )


def refused(doc) -> AWSError:
    with pytest.raises(AWSError) as e:
        parse_task_definition(doc)
    return e.value


# --- examples from the ECS developer guide (doc_source/example_task_definitions.md) ---------

WEBSERVER = {
    "containerDefinitions": [
        {
            "command": [
                "/bin/sh -c \"echo '<html>...</html>' > /usr/local/apache2/htdocs/index.html\""
            ],
            "entryPoint": ["sh", "-c"],
            "essential": True,
            "image": "httpd:2.4",
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/fargate-task-definition",
                    "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "ecs",
                },
            },
            "name": "sample-fargate-app",
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
        }
    ],
    "cpu": "256",
    "executionRoleArn": "arn:aws:iam::012345678910:role/ecsTaskExecutionRole",
    "family": "fargate-task-definition",
    "memory": "512",
    "networkMode": "awsvpc",
    "runtimePlatform": {"operatingSystemFamily": "LINUX"},
    "requiresCompatibilities": ["FARGATE"],
}

IAM_ROLE_EXAMPLE = {
    "containerDefinitions": [
        {
            "name": "sample-app",
            "image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/aws-nodejs-sample:v1",
            "memory": 200,
            "cpu": 10,
            "essential": True,
        }
    ],
    "family": "example_task_3",
    "taskRoleArn": "arn:aws:iam::123456789012:role/AmazonECSTaskS3BucketRole",
}

PING_EXAMPLE = {
    "containerDefinitions": [
        {
            "memory": 32,
            "essential": True,
            "entryPoint": ["ping"],
            "name": "alpine_ping",
            "readonlyRootFilesystem": True,
            "image": "alpine:3.4",
            "command": ["-c", "4", "google.com"],
            "cpu": 16,
        }
    ],
    "family": "example_task_2",
}

GELF_PORTS = [
    {"hostPort": 5000, "protocol": "udp", "containerPort": 5000},
    {"hostPort": 5000, "protocol": "tcp", "containerPort": 5000},
]


def test_docs_webserver_on_fargate():
    spec = parse_task_definition(WEBSERVER)
    assert spec.compatibilities == ("EC2", "FARGATE")
    req = spec.requirements()
    assert (req.cpu, req.memory, req.eni, req.ports) == (256, 512, 1, ())
    assert req.arch == "x86_64"  # Fargate's documented default architecture


def test_docs_iam_role_example_is_a_bridge_task_sized_by_its_container():
    spec = parse_task_definition(IAM_ROLE_EXAMPLE)
    assert spec.network_mode is NetworkMode.BRIDGE
    assert spec.task_role_arn.endswith("AmazonECSTaskS3BucketRole")
    req = spec.requirements()
    assert (req.cpu, req.memory, req.eni, req.arch) == (10, 200, 0, None)
    assert spec.compatibilities == ("EC2",)


def test_docs_ping_example_keeps_unmodelled_fields():
    spec = parse_task_definition(PING_EXAMPLE)
    api = spec.container_definitions[0].to_api(spec.network_mode)
    assert api["command"] == ["-c", "4", "google.com"]
    assert spec.requirements().memory == 32


def test_docs_gelf_example_reserves_one_tcp_and_one_udp_port():
    spec = parse_task_definition(td(containerDefinitions=[container(portMappings=GELF_PORTS)]))
    req = spec.requirements()
    assert (req.ports, req.ports_udp) == ((5000,), (5000,))


def test_docs_container_dependency_example_is_refused_without_memory():
    """The guide's appmesh-gateway example shows dependsOn only: it has no memory anywhere,
    which RegisterTaskDefinition refuses (the example is illustrative)."""
    doc = {
        "family": "appmesh-gateway",
        "runtimePlatform": {"operatingSystemFamily": "LINUX"},
        "containerDefinitions": [
            {
                "name": "app",
                "image": "application_image",
                "portMappings": [{"containerPort": 9080, "hostPort": 9080, "protocol": "tcp"}],
                "essential": True,
                "dependsOn": [{"containerName": "envoy", "condition": "HEALTHY"}],
            },
            {"name": "envoy", "image": "aws-appmesh-envoy:v1.15.1.0-prod", "essential": True},
        ],
        "networkMode": "awsvpc",
    }
    err = refused(doc)
    assert err.code == "ClientException"
    assert err.message == (
        "Invalid setting for container 'app'. At least one of 'memory' or "
        "'memoryReservation' must be specified."
    )


def test_seed_dotnet_graviton_task_definition():
    """The seed's CDK ApplicationLoadBalancedEc2Service(MemoryLimitMiB=8192) synthesizes an
    EC2 task definition in bridge mode, container port 80 on a dynamic host port."""
    doc = {
        "family": "DotNetGravitonServiceTaskDef",
        "requiresCompatibilities": ["EC2"],
        "networkMode": "bridge",
        "containerDefinitions": [
            {
                "name": "web",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds:app",
                "memory": 8192,
                "essential": True,
                "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
            }
        ],
    }
    req = parse_task_definition(doc).requirements()
    assert (req.memory, req.cpu, req.ports, req.arch) == (8192, 0, (), None)


# --- cpu and memory strings -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,units",
    [
        ("1024", 1024),
        ("1 vCPU", 1024),
        ("1 vcpu", 1024),
        ("0.25 vCPU", 256),
        (".5 vCPU", 512),
        ("2vCPU", 2048),
        (4096, 4096),
    ],
)
def test_task_cpu_forms(value, units):
    assert parse_task_cpu(value) == units


@pytest.mark.parametrize(
    "value,mib", [("2048", 2048), ("2 GB", 2048), ("1GB", 1024), ("0.5 GB", 512), (3072, 3072)]
)
def test_task_memory_forms(value, mib):
    assert parse_task_memory(value) == mib


@pytest.mark.parametrize("value", ["abc", "1.5", "0", "-1", "1 GB", ""])
def test_unreadable_task_cpu_is_ecs_invalid_cpu(value):
    err = refused(td(cpu=value))
    assert (err.code, err.message) == (
        "ClientException",
        "Invalid 'cpu' setting for task. For more information, see the Troubleshooting "
        "section of the Amazon ECS Developer Guide.",
    )


def test_unreadable_task_memory_is_refused():
    assert refused(td(memory="lots")).message == codes.INVALID_TASK_MEMORY


@pytest.mark.parametrize(
    "cpu,ok", [("64", False), ("128", True), ("196608", True), ("196609", False)]
)
def test_ec2_task_cpu_range(cpu, ok):
    if ok:
        assert parse_task_definition(td(cpu=cpu)).cpu == int(cpu)
    else:
        assert refused(td(cpu=cpu)).message == codes.INVALID_TASK_CPU


# --- Fargate --------------------------------------------------------------------------------------

FARGATE_TABLE = {  # aws-facts.md: cpu -> memory values (MiB)
    256: {512, 1024, 2048},
    512: set(range(1024, 4097, 1024)),
    1024: set(range(2048, 8193, 1024)),
    2048: set(range(4096, 16385, 1024)),
    4096: set(range(8192, 30721, 1024)),
    8192: set(range(16384, 61441, 4096)),
    16384: set(range(32768, 122881, 8192)),
}


@given(
    st.sampled_from([128, 256, 512, 1024, 2048, 3072, 4096, 8192, 16384]),
    st.integers(1, 130).map(lambda g: g * 512),
)
def test_fargate_sizes_follow_the_table(cpu, memory):
    assert fargate_size_valid(cpu, memory) == (memory in FARGATE_TABLE.get(cpu, set()))


@pytest.mark.parametrize(
    "cpu,memory",
    [
        ("256", "512"),
        ("256", "2 GB"),
        ("1 vCPU", "8GB"),
        ("4096", "30720"),
        ("8192", "61440"),
        ("16384", "120 GB"),
    ],
)
def test_valid_fargate_sizes_register(cpu, memory):
    assert parse_task_definition(fargate(cpu, memory)).fargate_compatible


def test_invalid_fargate_combination_names_the_values():
    err = refused(fargate("512", "8192"))
    assert err.code == "ClientException"
    assert err.message == (
        "No Fargate configuration exists for given values: 512 CPU, 8192 memory. "
        "See the Amazon ECS documentation for the valid values."
    )


def test_fargate_8_vcpu_needs_4_gb_steps():
    assert "8192 CPU, 18432 memory" in refused(fargate("8192", "18432")).message


def test_fargate_requires_awsvpc_with_ecs_quotes():
    doc = fargate()
    doc["networkMode"] = "bridge"
    assert refused(doc).message == "Fargate only supports network mode \u2018awsvpc\u2019."
    del doc["networkMode"]  # default bridge
    assert refused(doc).message == codes.FARGATE_REQUIRES_AWSVPC


def test_fargate_requires_task_cpu_and_memory():
    doc = fargate()
    del doc["cpu"]
    assert refused(doc).message == "Fargate requires that 'cpu' be defined at the task level."
    doc = fargate()
    del doc["memory"]
    assert refused(doc).message == "Fargate requires that 'memory' be defined at the task level."


def test_fargate_arm64():
    spec = parse_task_definition(
        fargate(runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})
    )
    assert spec.requirements().arch == "arm64"


# --- containers ---------------------------------------------------------------------------------


def test_memory_reservation_alone_is_enough_and_is_what_is_reserved():
    spec = parse_task_definition(
        td(
            containerDefinitions=[
                {"name": "a", "image": "x", "memoryReservation": 128, "memory": 300}
            ]
        )
    )
    assert spec.requirements().memory == 128  # the reservation, not the hard limit


def test_task_memory_wins_over_containers():
    spec = parse_task_definition(td(memory="1024", cpu="512"))
    req = spec.requirements()
    assert (req.memory, req.cpu) == (1024, 512)


def test_requirements_sum_containers():
    spec = parse_task_definition(
        td(
            containerDefinitions=[
                container(name="a", cpu=100),
                container(name="b", cpu=50, memory=256),
            ]
        )
    )
    req = spec.requirements()
    assert (req.cpu, req.memory) == (150, 768)


def test_no_memory_anywhere_is_refused_for_ec2():
    doc = td(containerDefinitions=[{"name": "worker", "image": "x"}])
    assert refused(doc).message == codes.CONTAINER_MEMORY_REQUIRED.format(name="worker")
    doc["memory"] = "512"  # task-level memory makes it valid
    assert parse_task_definition(doc).requirements().memory == 512


def test_memory_below_reservation_is_refused():
    doc = td(containerDefinitions=[container(memory=100, memoryReservation=200)])
    assert refused(doc).message == codes.CONTAINER_MEMORY_BELOW_RESERVATION.format(name="app")
    doc = td(containerDefinitions=[container(memory=200, memoryReservation=200)])
    assert parse_task_definition(doc).requirements().memory == 200  # equal is allowed


def test_container_memory_above_task_memory():
    doc = td(memory="1024", containerDefinitions=[container(name="worker", memory=2048)])
    assert (
        refused(doc).message
        == "The 'memory' setting for container 'worker' is greater than for the task."
    )


def test_reservations_above_task_memory():
    doc = td(
        memory="1024",
        containerDefinitions=[
            {"name": "a", "image": "x", "memoryReservation": 600},
            {"name": "b", "image": "x", "memoryReservation": 600},
        ],
    )
    assert refused(doc).message == codes.CONTAINER_RESERVATION_SUM_ABOVE_TASK


def test_container_cpu_sum_above_task_cpu():
    doc = td(
        cpu="256", containerDefinitions=[container(name="a", cpu=200), container(name="b", cpu=100)]
    )
    assert refused(doc).message == (
        "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."
    )


def test_an_essential_container_is_required():
    doc = td(containerDefinitions=[container(essential=False)])
    assert refused(doc).message == "Task definition doesn't have any essential container."
    doc = td(containerDefinitions=[container(essential=False), container(name="b")])
    assert parse_task_definition(doc).container_definitions[1].essential  # default True


def test_container_list_and_fields():
    assert refused(td(containerDefinitions=[])).message == "Container list cannot be empty."
    assert refused(td(containerDefinitions=[{"name": "a", "memory": 5}])).message == (
        "Container.image should not be null or empty."
    )
    assert refused(td(containerDefinitions=[{"image": "a", "memory": 5}])).message == (
        "Container.name should not be null or empty."
    )


@pytest.mark.parametrize("family", ["", "has space", "x" * 256, None])
def test_family_name_rule(family):
    assert refused(td(family=family)).code == "ClientException"


def test_unknown_parameter_is_refused_like_botocore():
    with pytest.raises(TaskDefinitionInputError, match='Unknown parameter in input: "famly"'):
        parse_task_definition({**td(), "famly": "x"})
    with pytest.raises(TaskDefinitionInputError, match=r"containerDefinitions\[0\]: \"mem\""):
        parse_task_definition(td(containerDefinitions=[container(mem=1)]))


def test_enums_are_checked():
    assert "networkMode" in refused(td(networkMode="overlay")).message
    assert refused(td(requiresCompatibilities=["LAMBDA"])).code == "ClientException"
    assert refused(td(runtimePlatform={"cpuArchitecture": "RISCV"})).code == "ClientException"


# --- ports and network modes ----------------------------------------------------------------------


def test_bridge_dynamic_ports_are_not_reserved():
    ports = [
        {"containerPort": 80},
        {"containerPort": 81, "hostPort": 0},
        {"containerPort": 82, "hostPort": 8082},
    ]
    req = parse_task_definition(
        td(containerDefinitions=[container(portMappings=ports)])
    ).requirements()
    assert req.ports == (8082,)


def test_host_mode_reserves_container_ports():
    ports = [{"containerPort": 80}, {"containerPort": 443, "hostPort": 443}]
    spec = parse_task_definition(
        td(networkMode="host", containerDefinitions=[container(portMappings=ports)])
    )
    assert spec.requirements().ports == (80, 443)
    bad = td(
        networkMode="host",
        containerDefinitions=[container(portMappings=[{"containerPort": 80, "hostPort": 8080}])],
    )
    assert refused(bad).message == codes.HOST_PORTS_MUST_MATCH


def test_awsvpc_needs_an_eni_and_no_host_ports():
    ports = [{"containerPort": 8080, "hostPort": 8080}]
    req = parse_task_definition(
        td(networkMode="awsvpc", containerDefinitions=[container(portMappings=ports)])
    ).requirements()
    assert (req.eni, req.ports) == (1, ())
    bad = td(
        networkMode="awsvpc",
        containerDefinitions=[container(portMappings=[{"containerPort": 80, "hostPort": 81}])],
    )
    assert refused(bad).message == (
        "When networkMode=awsvpc, the host ports and container ports in port mappings must match."
    )


def test_none_mode_takes_no_port_mappings():
    bad = td(
        networkMode="none", containerDefinitions=[container(portMappings=[{"containerPort": 80}])]
    )
    assert refused(bad).message == codes.NONE_MODE_NO_PORTS


def test_unknown_protocol_is_tcp_as_ecs_treats_it():
    ports = [{"containerPort": 53, "hostPort": 53, "protocol": "UDP"}]
    req = parse_task_definition(
        td(containerDefinitions=[container(portMappings=ports)])
    ).requirements()
    assert (req.ports, req.ports_udp) == ((53,), ())


# --- architecture and constraints -----------------------------------------------------------------


def test_architecture_from_runtime_platform():
    spec = parse_task_definition(td(runtimePlatform={"cpuArchitecture": "ARM64"}))
    assert spec.requirements().arch == "arm64"
    spec = parse_task_definition(td(runtimePlatform={"cpuArchitecture": "X86_64"}))
    assert spec.requirements().arch == "x86_64"


def test_ec2_without_runtime_platform_has_no_architecture_unless_asked():
    spec = parse_task_definition(td())
    assert spec.requirements().arch is None
    assert spec.requirements(default_architecture="x86_64").arch == "x86_64"


def test_task_definition_takes_member_of_constraints_only():
    ok = td(
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == arm64"}
        ]
    )
    req = parse_task_definition(ok).requirements()
    assert [c.expression for c in req.constraints] == ["attribute:ecs.cpu-architecture == arm64"]
    bad = td(placementConstraints=[{"type": "distinctInstance"}])
    assert refused(bad).message == "constraint.type 'distinctInstance' is not supported."


def test_invalid_member_of_expression_is_refused_with_position():
    bad = td(placementConstraints=[{"type": "memberOf", "expression": "attribute:x =="}])
    err = refused(bad)
    assert err.code == "InvalidParameterException"
    assert err.message.endswith("at position 14.")


def test_at_most_ten_constraints():
    c = {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}
    assert parse_task_definition(td(placementConstraints=[c] * 10))
    assert refused(td(placementConstraints=[c] * 11)).code == "InvalidParameterException"


# --- registry -------------------------------------------------------------------------------------


def test_revisions_and_arns():
    reg = TaskDefinitionRegistry(region="eu-west-1", account_id="111122223333")
    a = reg.register(td())
    b = reg.register(td(memory="1024"))
    assert (a.revision, b.revision) == (1, 2)
    assert b.arn == "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:2"
    assert b.family_revision == "web:2"
    assert reg.describe("web") is b
    assert reg.describe("web:1") is a
    assert reg.describe(a.arn) is a


def test_deregister_keeps_numbering_and_hides_from_family_lookup():
    reg = TaskDefinitionRegistry()
    reg.register(td())
    reg.register(td())
    assert reg.deregister("web:2").status == "INACTIVE"
    assert reg.describe("web").revision == 1
    assert reg.describe("web:2").status == "INACTIVE"
    assert reg.register(td()).revision == 3
    assert reg.list_arns("web") == [reg.arn("web", 1), reg.arn("web", 3)]


def test_unknown_task_definition():
    reg = TaskDefinitionRegistry()
    for ref in ("nope", "nope:1", "web:x"):
        with pytest.raises(AWSError) as e:
            reg.describe(ref)
        assert (e.value.code, e.value.message) == (
            "ClientException",
            "Unable to describe task definition.",
        )


def test_describe_shape_matches_botocore():
    reg = TaskDefinitionRegistry()
    for doc in (
        WEBSERVER,
        IAM_ROLE_EXAMPLE,
        PING_EXAMPLE,
        td(networkMode="host", runtimePlatform={"cpuArchitecture": "ARM64"}),
    ):
        api = reg.register(copy.deepcopy(doc), at=1.7e9).to_api()
        assert problems("TaskDefinition", api) == []
    assert api["runtimePlatform"] == {"cpuArchitecture": "ARM64"}
    web = reg.describe("fargate-task-definition").to_api()
    assert (web["cpu"], web["memory"], web["requiresCompatibilities"]) == (
        "256",
        "512",
        ["FARGATE"],
    )
    assert web["compatibilities"] == ["EC2", "FARGATE"]
    assert web["containerDefinitions"][0]["portMappings"][0]["hostPort"] == 80


def test_compatibility_enum_values_are_the_apis():
    assert {c.value for c in Compatibility} >= {"EC2", "FARGATE", "EXTERNAL"}
