"""Hypothesis state machine over a simulated ECS cluster on EC2.

Invariants checked after every step:
- no container instance has more CPU, memory, ports or ENIs in use than it registered,
  and what is in use is exactly what its live tasks hold;
- a RUNNING task sits on a container instance whose EC2 instance is running;
- a task whose task definition asks for ARM64 runs on arm64 (and X86_64 on x86_64);
- a deployment's live tasks are STARTING or RUNNING with desiredStatus RUNNING, and its
  ``running`` counts the RUNNING ones (the scheduler counts old tasks from these);
- with enough capacity and a quiet period, every service is back at its desired count;
- during a deployment (minimumHealthyPercent 100) of a steady service, with nothing else
  happening, the service never has fewer RUNNING tasks than its desired count.
"""

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from simulator.core.world import World
from simulator.ec2 import Ec2ControlPlane
from simulator.ecs.control import STARTING, EcsControlPlane
from simulator.ecs.task import TaskState
from simulator.lifecycle.instance import InstanceState

TYPES = {"x86": "m6i.xlarge", "arm": "m7g.xlarge"}


class EcsCluster(RuleBasedStateMachine):
    @initialize(seed=st.integers(0, 2**16))
    def setup(self, seed):
        self.world = World(seed=seed)
        self.ec2 = Ec2ControlPlane(self.world)
        self.ecs = EcsControlPlane(self.world, self.ec2)
        self.ecs.create_cluster("c")
        self.revision = {}
        self.min_running = {}
        self.ecs.task_listeners.append(self._watch)
        for arch in ("x86", "arm"):
            self._launch(arch, 2)
        self.world.run(120)

    def _watch(self, what, task, before):
        for name, svc in self.ecs.cluster("c").services.items():
            if name in self.min_running:
                self.min_running[name] = min(self.min_running[name], svc.running_count)

    def _launch(self, arch, n):
        for iid in self.ec2.run_instances(TYPES[arch], n):
            self.ecs.join(iid, "c")

    @rule(arch=st.sampled_from(["x86", "arm"]), n=st.integers(1, 3))
    def launch(self, arch, n):
        self._launch(arch, n)

    @rule(k=st.integers(0, 50), how=st.sampled_from(["terminate", "stop"]))
    def lose_instance(self, k, how):
        running = [
            i for i, v in self.ec2.fleet.instances.items() if v.state is InstanceState.RUNNING
        ]
        if len(running) <= 2:
            return
        victim = running[k % len(running)]
        if how == "terminate":
            self.ec2.terminate_instances([victim])
        else:
            self.ec2.stop_instances([victim])

    @rule(
        name=st.sampled_from(["a", "b"]),
        cpu=st.sampled_from([256, 512, 1024]),
        count=st.integers(0, 6),
        arch=st.sampled_from([None, "X86_64", "ARM64"]),
    )
    def create_service(self, name, cpu, count, arch):
        cluster = self.ecs.cluster("c")
        if name in cluster.services:
            return
        doc = {
            "family": name,
            "containerDefinitions": [
                {
                    "name": name,
                    "image": f"{name}:1",
                    "cpu": cpu,
                    "memory": cpu * 2,
                    "essential": True,
                }
            ],
        }
        if arch:
            doc["runtimePlatform"] = {"cpuArchitecture": arch}
        self.ecs.register_task_definition(doc)
        self.revision[name] = 1
        self.ecs.create_service("c", name, name, count)

    @rule(name=st.sampled_from(["a", "b"]), count=st.integers(0, 8))
    def scale(self, name, count):
        if name in self.ecs.cluster("c").services:
            self.ecs.update_service("c", name, desired_count=count)

    @rule(name=st.sampled_from(["a", "b"]))
    def deploy(self, name):
        cluster = self.ecs.cluster("c")
        if name not in cluster.services:
            return
        old = self.ecs.task_definitions.describe(name)
        doc = old.to_api()
        doc = {
            "family": name,
            "containerDefinitions": [
                dict(c, image=f"{name}:{self.revision[name] + 1}")
                for c in doc["containerDefinitions"]
            ],
            **({"runtimePlatform": doc["runtimePlatform"]} if "runtimePlatform" in doc else {}),
        }
        self.revision[name] += 1
        td = self.ecs.register_task_definition(doc)
        svc = cluster.services[name]
        # settle first, so the deployment starts from a steady service
        self.world.run(self.world.now + 900)
        steady = svc.steady and svc.running_count == svc.desired_count
        self.min_running[name] = svc.running_count
        self.ecs.update_service("c", name, task_definition=td.arn)
        self.world.run(self.world.now + 900)  # nothing else happens meanwhile
        if steady:
            assert self.min_running[name] >= svc.desired_count, (
                f"service {name} fell to {self.min_running[name]} running tasks during a "
                f"deployment with minimumHealthyPercent 100 (desired {svc.desired_count})"
            )
        self.min_running.pop(name)

    @rule(k=st.integers(0, 50))
    def drain(self, k):
        cluster = self.ecs.cluster("c")
        active = [ci for ci in cluster.container_instances.values() if ci.placeable]
        if len(active) > 2:
            ci = active[k % len(active)]
            self.ecs.update_container_instances_state("c", [ci.container_instance_id], "DRAINING")

    @rule(seconds=st.sampled_from([5, 30, 120, 600]))
    def advance(self, seconds):
        self.world.run(self.world.now + seconds)

    @precondition(lambda self: hasattr(self, "ecs"))
    @invariant()
    def resources_never_overcommitted(self):
        cluster = self.ecs.cluster("c")
        for ci in cluster.container_instances.values():
            assert 0 <= ci.remaining_cpu <= ci.registered_cpu
            assert 0 <= ci.remaining_memory <= ci.registered_memory
            assert 0 <= ci.remaining_enis <= ci.registered_enis
            held = [a.requirements for a in ci.allocations.values()]
            assert ci.registered_cpu - ci.remaining_cpu == sum(r.cpu for r in held)
            assert ci.registered_memory - ci.remaining_memory == sum(r.memory for r in held)
            ports = [p for r in held for p in r.ports]
            assert len(ports) == len(set(ports)) and not set(ports) & ci.registered_ports

    @precondition(lambda self: hasattr(self, "ecs"))
    @invariant()
    def running_tasks_are_on_running_instances_of_their_arch(self):
        cluster = self.ecs.cluster("c")
        for task in cluster.tasks.values():
            if task.last_status is not TaskState.RUNNING:
                continue
            ci = cluster.container_instances[task.container_instance]
            inst = self.ec2.fleet.instances[ci.ec2_instance_id]
            assert inst.state is InstanceState.RUNNING, (task, inst)
            td = self.ecs.task_definitions.describe(task.task_definition_arn)
            wanted = td.requirements().arch
            if wanted is not None:
                assert ci.instance_type.arch == wanted

    @precondition(lambda self: hasattr(self, "ecs"))
    @invariant()
    def deployments_count_their_live_tasks(self):
        cluster = self.ecs.cluster("c")
        live_states = (*STARTING, TaskState.RUNNING)
        for svc in cluster.services.values():
            for d in svc.deployments:
                live = [cluster.tasks[t] for t in d.live_ids]
                assert all(t.desired_status == "RUNNING" for t in live), (svc.name, d.id)
                assert all(t.last_status in live_states for t in live), (svc.name, d.id)
                running = sum(t.last_status is TaskState.RUNNING for t in live)
                assert d.running == running, (svc.name, d.id, d.running, running)

    def teardown(self):
        if not hasattr(self, "ecs"):
            return
        # liveness: with ample capacity and a quiet period, services reach desired count
        self._launch("x86", 4)
        self._launch("arm", 4)
        for name in self.ecs.cluster("c").services:
            self.ecs.update_service("c", name, desired_count=3)
        self.world.run(self.world.now + 1800)
        for name, svc in self.ecs.cluster("c").services.items():
            assert svc.running_count == 3, (name, svc.running_count, svc.events[:3])


TestEcsCluster = EcsCluster.TestCase
