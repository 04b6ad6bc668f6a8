"""A Hypothesis state machine over simulated boto3 EC2 and ECS clients.

Subclass ``EcsApiStateMachine`` to check your own ECS automation through the API it really
uses: add rules that call your code with ``self.ecs`` / ``self.ec2`` (genuine boto3
clients) and ``self.aws`` (``advance``), and invariants of your own. Every call goes
through ``self.call``: a refusal must carry a code AWS uses, and the account validates
every response (and error) against botocore's output shape. The base invariants look only
through the API:

- no container instance has more CPU, memory or host ports in use than it registered, and
  what it has in use is exactly what its unstopped tasks hold (describe_container_instances
  registered vs remaining, against describe_tasks);
- a RUNNING task is on an ACTIVE or DRAINING container instance whose EC2 instance is
  running;
- a service's runningCount + pendingCount is the number of its tasks desired RUNNING, and
  its runningCount the number of those RUNNING;
- the cluster's counts agree with its instances and tasks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError, WaiterError
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from simulator.aws import ECS_ERROR_CODES, ERROR_CODES, SimulatedAWS
from simulator.testing.aws import IMAGE_ID, indexes, pick

CLUSTER = "prod"
USER_DATA = f"#!/bin/bash\necho ECS_CLUSTER={CLUSTER} >> /etc/ecs/ecs.config\n"
INSTANCE_TYPES = ("m6g.large", "m6g.xlarge", "m6i.large", "c6g.xlarge", "m6i.xlarge")
"""Graviton and x86 sizes (2-4 vCPUs, 4-16 GiB)."""
TASK_DEFINITIONS: tuple[dict[str, Any], ...] = (
    {"family": "web", "cpu": 512, "memory": 1024, "ports": ()},
    {"family": "api", "cpu": 1024, "memory": 3072, "ports": (8080,)},
    {"family": "batch", "cpu": 2048, "memory": 6144, "ports": ()},
    {"family": "edge", "cpu": 256, "memory": 512, "ports": (443,), "mode": "host"},
    {"family": "tiny", "cpu": 128, "memory": 256, "ports": ()},
)
"""Families with fixed host ports (bridge 8080, host-mode 443) and sizes that fill an
instance after a few tasks."""
STRATEGIES: tuple[list[dict[str, str]] | None, ...] = (
    None,
    [{"type": "binpack", "field": "memory"}],
    [{"type": "binpack", "field": "cpu"}],
    [{"type": "spread", "field": "instanceId"}],
    [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    [{"type": "random"}],
)
CONSTRAINTS: tuple[list[dict[str, str]], ...] = (
    [],
    [{"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == arm64"}],
    [{"type": "memberOf", "expression": "attribute:ecs.cpu-architecture == x86_64"}],
    [{"type": "distinctInstance"}],
)
SERVICES = ("svc-a", "svc-b", "svc-c")
UNSTOPPED = frozenset(
    {"PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING",
     "DEPROVISIONING"}
)  # fmt: skip


def time_steps() -> st.SearchStrategy[int]:
    """Seconds to advance: a boot or an image pull, sometimes a stop timeout or an hour."""
    return st.one_of(st.integers(1, 60), st.integers(60, 600), st.just(3_700))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class EcsApiStateMachine(RuleBasedStateMachine):
    """Random EC2 and ECS calls and elapsed time on one cluster of Graviton and x86
    instances that join it through their user data."""

    seed = 0
    max_instances = 8

    def __init__(self) -> None:
        super().__init__()
        self.aws = self.make_aws()
        self.ec2 = self.aws.client("ec2")
        self.ecs = self.aws.client("ecs")
        self.zones = self.aws.availability_zones[:2]
        self.instance_ids: list[str] = []
        self.families: list[str] = []
        self.task_arns: list[str] = []
        self.services: set[str] = set()
        self.refusals: list[str] = []
        self.call("create_cluster", clusterName=CLUSTER)

    def make_aws(self) -> SimulatedAWS:
        """The account under test; override to configure it."""
        return SimulatedAWS(seed=self.seed, validate_responses=True)

    # ------------------------------------------------------------------ calling
    def call(self, operation: str, *, client: Any = None, **params: Any) -> dict[str, Any] | None:
        """Call ``self.ecs.<operation>`` (or ``client``'s); None if AWS refused it with a
        code it uses. The account validates every response against its shape."""
        client = client or self.ecs
        try:
            return getattr(client, operation)(**params)
        except ClientError as e:
            code = e.response["Error"]["Code"]
            known = ECS_ERROR_CODES if client is self.ecs else ERROR_CODES
            assert code in known, f"{operation}: unknown error code {code}"
            assert code != "UnsupportedOperation", e  # the machine stays within the model
            self.refusals.append(code)
            return None

    def list_all(self, operation: str, key: str, **params: Any) -> list[str]:
        """Every item of a List* operation, following nextToken."""
        out: list[str] = []
        token: dict[str, str] = {}
        while True:
            response = self.call(operation, cluster=CLUSTER, maxResults=100, **params, **token)
            assert response is not None
            out += response[key]
            if "nextToken" not in response:
                return out
            token = {"nextToken": response["nextToken"]}

    def container_instance_arns(self, status: str | None = None) -> list[str]:
        params = {"status": status} if status else {}
        return self.list_all("list_container_instances", "containerInstanceArns", **params)

    def describe_container_instances(self, arns: Sequence[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for chunk in _chunks(arns, 100):
            response = self.call(
                "describe_container_instances", cluster=CLUSTER, containerInstances=list(chunk)
            )
            assert response is not None and not response["failures"], response
            out += response["containerInstances"]
        return out

    def all_tasks(self) -> list[dict[str, Any]]:
        """Every visible task: listed desired RUNNING and desired STOPPED."""
        arns: list[str] = []
        for desired in ("RUNNING", "STOPPED"):
            arns += self.list_all("list_tasks", "taskArns", desiredStatus=desired)
        out: list[dict[str, Any]] = []
        for chunk in _chunks(arns, 100):
            response = self.call("describe_tasks", cluster=CLUSTER, tasks=list(chunk))
            assert response is not None and not response["failures"], response
            out += response["tasks"]
        return out

    # ------------------------------------------------------------------ a starting fleet
    @initialize(
        arm=st.sampled_from([t for t in INSTANCE_TYPES if t[2] == "g"]),
        x86=st.sampled_from([t for t in INSTANCE_TYPES if t[2] == "i"]),
        which=st.sampled_from(TASK_DEFINITIONS),
    )
    def start_with_a_fleet(self, arm: str, x86: str, which: dict[str, Any]) -> None:
        """A Graviton and an x86 instance, registered, and one task definition: every run
        starts where tasks can be placed."""
        self.launch(arm, 1, 0)
        self.launch(x86, 1, 1)
        self.register(which)
        self.aws.advance(60)

    # ------------------------------------------------------------------ EC2
    @precondition(lambda self: len(self.instance_ids) < self.max_instances)
    @rule(itype=st.sampled_from(INSTANCE_TYPES), count=st.integers(1, 2), zone=indexes())
    def launch(self, itype: str, count: int, zone: int) -> None:
        response = self.call(
            "run_instances",
            client=self.ec2,
            ImageId=IMAGE_ID,
            InstanceType=itype,
            MinCount=count,
            MaxCount=count,
            Placement={"AvailabilityZone": pick(self.zones, zone)},
            UserData=USER_DATA,
        )
        if response is not None:
            self.instance_ids += [i["InstanceId"] for i in response["Instances"]]

    @rule(i=indexes(), action=st.sampled_from(["stop", "start", "terminate", "reboot"]))
    def instance_action(self, i: int, action: str) -> None:
        iid = pick(self.instance_ids, i)
        if iid is not None:
            self.call(f"{action}_instances", client=self.ec2, InstanceIds=[iid])

    # ------------------------------------------------------------------ task definitions
    @rule(which=st.sampled_from(TASK_DEFINITIONS))
    def register(self, which: dict[str, Any]) -> None:
        mode = which.get("mode", "bridge")
        ports = [{"containerPort": p, "hostPort": p, "protocol": "tcp"} for p in which["ports"]]
        response = self.call(
            "register_task_definition",
            family=which["family"],
            networkMode=mode,
            containerDefinitions=[
                {
                    "name": which["family"],
                    "image": f"{which['family']}:1",
                    "cpu": which["cpu"],
                    "memory": which["memory"],
                    "portMappings": ports,
                }
            ],
        )
        if response is not None and which["family"] not in self.families:
            self.families.append(which["family"])

    # ------------------------------------------------------------------ tasks
    @precondition(lambda self: bool(self.families))
    @rule(
        family=indexes(),
        count=st.integers(1, 10),
        strategy=st.sampled_from(STRATEGIES),
        constraints=st.sampled_from(CONSTRAINTS),
    )
    def run_task(self, family: int, count: int, strategy: list | None, constraints: list) -> None:
        params: dict[str, Any] = {"placementConstraints": constraints}
        if strategy is not None:
            params["placementStrategy"] = strategy
        response = self.call(
            "run_task",
            cluster=CLUSTER,
            taskDefinition=pick(self.families, family),
            count=count,
            **params,
        )
        if response is not None:
            assert len(response["tasks"]) + min(1, len(response["failures"])) <= count
            if len(response["tasks"]) < count:
                assert response["failures"], "tasks missing without a failure"
            self.task_arns += [t["taskArn"] for t in response["tasks"]]

    @precondition(lambda self: bool(self.families))
    @rule(family=indexes(), ci=indexes())
    def start_task(self, family: int, ci: int) -> None:
        arn = pick(self.container_instance_arns(), ci)
        if arn is None:
            return
        response = self.call(
            "start_task",
            cluster=CLUSTER,
            taskDefinition=pick(self.families, family),
            containerInstances=[arn],
        )
        if response is not None:
            self.task_arns += [t["taskArn"] for t in response["tasks"]]

    @precondition(lambda self: bool(self.task_arns))
    @rule(i=indexes())
    def stop_task(self, i: int) -> None:
        arn = pick(self.task_arns, i)
        response = self.call("stop_task", cluster=CLUSTER, task=arn, reason="chaos")
        if response is not None:
            assert response["task"]["desiredStatus"] == "STOPPED"

    # ------------------------------------------------------------------ services
    @precondition(lambda self: bool(self.families))
    @rule(
        name=st.sampled_from(SERVICES),
        family=indexes(),
        desired=st.integers(0, 6),
        strategy=st.sampled_from(STRATEGIES),
        constraints=st.sampled_from(CONSTRAINTS),
        minimum=st.sampled_from([0, 50, 100]),
        maximum=st.sampled_from([100, 150, 200]),
    )
    def create_service(
        self,
        name: str,
        family: int,
        desired: int,
        strategy: list | None,
        constraints: list,
        minimum: int,
        maximum: int,
    ) -> None:
        params: dict[str, Any] = {"placementConstraints": constraints}
        if strategy is not None:
            params["placementStrategy"] = strategy
        response = self.call(
            "create_service",
            cluster=CLUSTER,
            serviceName=name,
            taskDefinition=pick(self.families, family),
            desiredCount=desired,
            deploymentConfiguration={
                "minimumHealthyPercent": minimum,
                "maximumPercent": maximum,
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            },
            **params,
        )
        if response is not None:
            self.services.add(name)

    def _service(self, i: int) -> str:
        return pick(sorted(self.services), i) or SERVICES[0]

    @precondition(lambda self: bool(self.services))
    @rule(
        i=indexes(),
        desired=st.one_of(st.none(), st.integers(0, 8)),
        family=st.one_of(st.none(), indexes()),
        force=st.booleans(),
    )
    def update_service(self, i: int, desired: int | None, family: int | None, force: bool) -> None:
        name = self._service(i)
        params: dict[str, Any] = {"forceNewDeployment": force}
        if desired is not None:
            params["desiredCount"] = desired
        if family is not None:
            params["taskDefinition"] = pick(self.families, family)
        self.call("update_service", cluster=CLUSTER, service=name, **params)

    @precondition(lambda self: bool(self.services))
    @rule(i=indexes(), force=st.booleans())
    def delete_service(self, i: int, force: bool) -> None:
        name = self._service(i)
        self.call("delete_service", cluster=CLUSTER, service=name, force=force)

    @precondition(lambda self: bool(self.services))
    @rule(i=indexes())
    def wait_until_stable(self, i: int) -> None:
        """An ops script's waiter: gives up (WaiterError) when the service cannot settle."""
        name = self._service(i)
        try:
            self.ecs.get_waiter("services_stable").wait(
                cluster=CLUSTER, services=[name], WaiterConfig={"Delay": 15, "MaxAttempts": 8}
            )
        except WaiterError as e:
            error = e.last_response.get("Error")
            if error is not None:
                assert error["Code"] in ECS_ERROR_CODES, error

    # ------------------------------------------------------------------ draining
    @rule(ci=indexes(), status=st.sampled_from(["DRAINING", "ACTIVE"]))
    def set_state(self, ci: int, status: str) -> None:
        arn = pick(self.container_instance_arns(), ci)
        if arn is None:
            return
        response = self.call(
            "update_container_instances_state",
            cluster=CLUSTER,
            containerInstances=[arn],
            status=status,
        )
        assert response is not None
        for c in response["containerInstances"]:
            assert c["status"] == status

    @rule(ci=indexes(), force=st.booleans())
    def deregister(self, ci: int, force: bool) -> None:
        arn = pick(self.container_instance_arns(), ci)
        if arn is None:
            return
        response = self.call(
            "deregister_container_instance", cluster=CLUSTER, containerInstance=arn, force=force
        )
        if response is not None:
            assert response["containerInstance"]["status"] == "INACTIVE"

    # ------------------------------------------------------------------ time
    @rule(seconds=time_steps())
    def advance(self, seconds: int) -> None:
        self.aws.advance(seconds)

    # ------------------------------------------------------------------ invariants
    @invariant()
    def the_fleet_agrees_with_its_tasks(self) -> None:
        """Resource accounting, task placement and counts, all through the API."""
        listed = self.container_instance_arns()  # all but INACTIVE (deregistered) ones
        instances = self.describe_container_instances(listed)
        tasks = self.all_tasks()
        unstopped: dict[str, list[dict[str, Any]]] = {}
        for t in tasks:
            if t["lastStatus"] in UNSTOPPED and "containerInstanceArn" in t:
                unstopped.setdefault(t["containerInstanceArn"], []).append(t)
        by_arn = {ci["containerInstanceArn"]: ci for ci in instances}
        for listed_ci in instances:
            self._check_resources(listed_ci, unstopped.get(listed_ci["containerInstanceArn"], []))
        running = [t for t in tasks if t["lastStatus"] == "RUNNING"]
        states = self._ec2_states() if running else {}
        for t in running:
            ci = by_arn.get(t["containerInstanceArn"])
            assert ci is not None, (t["taskArn"], "RUNNING on a deregistered instance")
            assert ci["status"] in ("ACTIVE", "DRAINING"), (t["taskArn"], ci["status"])
            assert states[ci["ec2InstanceId"]] == "running", (t["taskArn"], ci["ec2InstanceId"])
        self._check_services(tasks)
        cluster = self.call("describe_clusters", clusters=[CLUSTER])
        assert cluster is not None
        (c,) = cluster["clusters"]
        assert c["registeredContainerInstancesCount"] == len(listed)
        assert c["runningTasksCount"] == sum(1 for t in tasks if t["lastStatus"] == "RUNNING")

    def _ec2_states(self) -> dict[str, str]:
        if not self.instance_ids:
            return {}
        response = self.call("describe_instances", client=self.ec2)
        assert response is not None
        return {
            i["InstanceId"]: i["State"]["Name"]
            for r in response["Reservations"]
            for i in r["Instances"]
        }

    @staticmethod
    def _check_resources(ci: dict[str, Any], tasks: list[dict[str, Any]]) -> None:
        registered = {r["name"]: r for r in ci["registeredResources"]}
        remaining = {r["name"]: r for r in ci["remainingResources"]}
        where = ci["containerInstanceArn"]
        for name in ("CPU", "MEMORY"):
            total = registered[name]["integerValue"]
            left = remaining[name]["integerValue"]
            assert 0 <= left <= total, (where, name, left, total)
            held = sum(int(t[name.lower()]) for t in tasks)
            assert total - left == held, (where, name, total - left, held)
        reserved = set(registered["PORTS"]["stringSetValue"])
        in_use = set(remaining["PORTS"]["stringSetValue"])
        assert reserved <= in_use, where
        bound: list[str] = []
        for t in tasks:
            for c in t["containers"]:
                bound += [str(b["hostPort"]) for b in c["networkBindings"]]
        assert len(bound) == len(set(bound)), (where, "a host port bound twice", bound)
        assert set(bound) <= in_use, (where, bound, in_use)
        assert not set(bound) & reserved, (where, "a task bound a reserved port")

    def _check_services(self, tasks: list[dict[str, Any]]) -> None:
        if not self.services:
            return
        response = self.call("describe_services", cluster=CLUSTER, services=sorted(self.services))
        assert response is not None
        for s in response["services"]:
            mine = [
                t
                for t in tasks
                if t["group"] == f"service:{s['serviceName']}" and t["desiredStatus"] == "RUNNING"
            ]
            running = sum(1 for t in mine if t["lastStatus"] == "RUNNING")
            assert (s["runningCount"], s["pendingCount"]) == (running, len(mine) - running), (
                s["serviceName"],
                s["runningCount"],
                s["pendingCount"],
                [t["lastStatus"] for t in mine],
            )
            assert s["runningCount"] == sum(d["runningCount"] for d in s["deployments"])
