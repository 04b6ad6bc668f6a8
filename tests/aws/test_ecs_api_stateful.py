"""Hypothesis state machines over the simulated boto3 ECS client (simulator.testing.ecs_api):
launches, registrations, tasks, services, draining and time, checked through the API."""

from __future__ import annotations

from hypothesis.stateful import invariant, rule

from simulator.testing.aws import indexes, pick
from simulator.testing.ecs_api import CLUSTER, EcsApiStateMachine


class EcsApi(EcsApiStateMachine):
    """The base machine as shipped."""


TestEcsApi = EcsApi.TestCase


class DrainBeforeTerminate(EcsApiStateMachine):
    """How a user checks their own automation: a scale-in job drains a container instance,
    waits until no task of a service is left on it, then terminates its EC2 instance. It
    must never terminate an instance a service task still runs on."""

    def __init__(self) -> None:
        super().__init__()
        self.killed_service_tasks: list[str] = []

    def retire(self, arn: str) -> None:
        """The automation under test, written against boto3 only."""
        self.ecs.update_container_instances_state(
            cluster=CLUSTER, containerInstances=[arn], status="DRAINING"
        )
        for _ in range(40):
            tasks = self.ecs.list_tasks(cluster=CLUSTER, containerInstance=arn)["taskArns"]
            described = (
                self.ecs.describe_tasks(cluster=CLUSTER, tasks=tasks)["tasks"] if tasks else []
            )
            if not [t for t in described if t["group"].startswith("service:")]:
                break
            self.aws.advance(15)
        else:
            return  # draining cannot finish (e.g. minimumHealthyPercent 100 and no room)
        ci = self.ecs.describe_container_instances(cluster=CLUSTER, containerInstances=[arn])
        iid = ci["containerInstances"][0]["ec2InstanceId"]
        running = self.ecs.list_tasks(cluster=CLUSTER, containerInstance=arn)["taskArns"]
        before = self.ecs.describe_tasks(cluster=CLUSTER, tasks=running)["tasks"] if running else []
        self.killed_service_tasks += [
            t["taskArn"] for t in before if t["group"].startswith("service:")
        ]
        self.ec2.terminate_instances(InstanceIds=[iid])

    @rule(i=indexes())
    def run_the_job(self, i: int) -> None:
        active = self.container_instance_arns("ACTIVE")
        described = self.describe_container_instances(active) if active else []
        # an instance whose agent is disconnected (stopped, or terminated while stopped:
        # AWS does not deregister those) is not the job's to retire
        arn = pick([c["containerInstanceArn"] for c in described if c["agentConnected"]], i)
        if arn is not None:
            self.retire(arn)

    @invariant()
    def no_service_task_is_killed(self) -> None:
        assert self.killed_service_tasks == []


TestDrainBeforeTerminate = DrainBeforeTerminate.TestCase
