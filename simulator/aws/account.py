"""SimulatedAWS: one simulated AWS account and Region, served through real boto3 clients.

The account owns a World (the simulated clock), a Fleet driven by an Ec2ControlPlane, and
an isolated botocore Session whose clients are answered by the simulation (see
``simulator.aws.hooks``). Every call runs under one re-entrant lock, so clients may be
used from several threads; simulated time moves only through ``advance``, ``run_until``,
waiters, and ``time.sleep`` inside ``patch_sleep()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from email.utils import format_datetime
from typing import Any

import boto3
from botocore.client import BaseClient, Config
from botocore.model import OperationModel
from dateutil.tz import tzutc

from simulator.aws import authorization, ecs_operations, elbv2_operations, errors
from simulator.aws.application_autoscaling import ApplicationAutoScalingService
from simulator.aws.autoscaling import AutoScalingService, Subscription
from simulator.aws.cloudwatch import CloudWatchService
from simulator.aws.codedeploy import CodeDeployService
from simulator.aws.ec2 import Ec2Service
from simulator.aws.ecs import EcsService
from simulator.aws.elbv2 import Elbv2Service
from simulator.aws.functions import Function, FunctionRegistry, current_run
from simulator.aws.hooks import simulated_session
from simulator.aws.iam import IamService
from simulator.aws.shapes import check_output
from simulator.aws.sleep import patch_time_sleep
from simulator.aws.sts import StsService
from simulator.aws.traffic import TrafficSources
from simulator.catalog.catalog import instance_type as catalog_instance_type
from simulator.catalog.catalog import instance_types as catalog_instance_types
from simulator.catalog.hosts import HostType
from simulator.catalog.hosts import host_type as catalog_host_type
from simulator.cloudwatch.alarms import Alarms
from simulator.cloudwatch.evaluator import AlarmEvaluator
from simulator.cloudwatch.store import MetricStore
from simulator.core.durations import Duration, format_duration, parse_duration
from simulator.core.errors import AWSError, EcsimError
from simulator.core.world import World
from simulator.ec2.control import Ec2ControlPlane
from simulator.ec2.timing import Ec2Timing
from simulator.ecs.asg import AutoScalingGroup
from simulator.ecs.capacity import CapacityProviders
from simulator.ecs.control import EcsControlPlane
from simulator.ecs.load_balancers import TargetRegistration
from simulator.ecs.task_sets import TaskSets
from simulator.ecs.timing import EcsTiming
from simulator.faults.revision import RevisionFault, RevisionFaults
from simulator.iam.caller import Caller
from simulator.iam.caller import admin as admin_caller
from simulator.iam.principals import IamAccount
from simulator.lifecycle.fleet import Fleet, InstanceTypeLike
from simulator.traffic.elb_health import ElbTiming, HealthChecks
from simulator.traffic.load_balancer import LoadBalancers

_TABLES = (ecs_operations.OPERATIONS, elbv2_operations.OPERATIONS)
"""Importing these modules sets EcsService's and Elbv2Service's operation tables."""

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_START = dt.datetime(2024, 1, 1, tzinfo=tzutc())
"""The wall-clock time simulated second 0 stands for (timestamps in responses)."""
DUMMY_CREDENTIALS = {"aws_access_key_id": "ecsim", "aws_secret_access_key": "ecsim"}
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


def _modeled_error_fields(model: OperationModel, error: AWSError) -> dict[str, Any]:
    """The members botocore adds to an error the service models as a shape (ECS's
    ``message``; EC2 models none)."""
    shape = model.service_model.shape_for_error_code(error.code)
    if shape is None:
        return {}
    return {m: error.message for m in shape.members if m.lower() == "message"}


class SimulationTimeout(EcsimError, TimeoutError):
    """``run_until`` reached its timeout in simulated time without the condition."""


class SimulatedAWS:
    """A fresh simulated AWS account; ``client("ec2")`` is a genuine boto3 client of it.

    ``seed`` fixes every random draw (boot times, request IDs...). ``availability_zones``
    defaults to the Region's name plus a, b, c. ``timing`` is an Ec2Timing or overrides by
    name (``{"boot": {"distribution": "uniform", "low": "5s", "high": "5s"}}``).
    Terminated instances stay visible for ``terminated_visibility``. With
    ``validate_responses`` every response is checked against botocore's output shape
    before the caller sees it (ResponseShapeError if it does not match).

    ECS (``client("ecs")``): ``ecs_timing`` is an EcsTiming or overrides by name of
    ``catalog/data/ecs_timing.csv`` rows (``{"agent_registration": "15s"}``); STOPPED tasks
    stay visible for ``stopped_task_visibility``; ``capacity_providers`` makes FARGATE,
    FARGATE_SPOT and Auto Scaling group providers available (simulator.ecs.capacity).

    ELBv2 (``client("elbv2")``): load balancers are ``provisioning`` for
    ``elbv2_provisioning`` before ``active``; ``elbv2_timing`` sets how long a target's
    registration takes before its first health check. ``aws.elbv2`` is the live model
    (find a load balancer by ARN or DNS name, its listeners and target groups) and
    ``aws.elb_health`` its health checks (probes, hooks).

    CloudWatch (``client("cloudwatch")``): ``cloudwatch_store`` is the account's live
    MetricStore (what simulated publishers write and GetMetricData reads), ``alarms`` its
    metric alarms, evaluated in simulated time by ``alarm_evaluator`` with
    ``cloudwatch_ingestion_delay`` between a period's end and its datapoint's visibility.

    Application Auto Scaling (``client("application-autoscaling")``): ECS services'
    scalable targets and target tracking policies, whose alarms are in ``alarms``
    (``simulator.aws.application_autoscaling``).
    """

    def __init__(
        self,
        seed: int = 0,
        region: str = "us-east-1",
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        availability_zones: Sequence[str] | None = None,
        start_time: dt.datetime = DEFAULT_START,
        timing: Ec2Timing | Mapping[str, Any] | None = None,
        instance_types: Callable[[str], InstanceTypeLike] | None = None,
        host_types: Callable[[str], HostType] | None = None,
        host_limit_per_family: int | None = None,
        affinity_change_requires_stopped: bool = False,
        terminated_visibility: Duration = "1h",
        validate_responses: bool = False,
        ecs_timing: EcsTiming | Mapping[str, Any] | None = None,
        stopped_task_visibility: Duration = "1h",
        capacity_providers: bool = True,
        elbv2_provisioning: Duration = "2m",
        elbv2_timing: ElbTiming | None = None,
        cloudwatch_ingestion_delay: Duration = 0,
    ):
        if not isinstance(region, str) or not REGION.fullmatch(region):
            raise EcsimError(f"region must look like 'us-east-1', got {region!r}")
        if not re.fullmatch(r"\d{12}", str(account_id)):
            raise EcsimError(f"account_id must be 12 digits, got {account_id!r}")
        if start_time.tzinfo is None:
            raise EcsimError("start_time must be timezone-aware (e.g. tzinfo=timezone.utc)")
        zones = tuple(availability_zones or (f"{region}{s}" for s in "abc"))
        bad = [z for z in zones if not z.startswith(region) or z == region]
        if bad or not zones:
            raise EcsimError(f"availability_zones must be zones of {region}, got {list(zones)}")
        self.region = region
        self.account_id = str(account_id)
        self.availability_zones = zones
        self.start_time = start_time
        self.terminated_visibility = parse_duration(terminated_visibility)
        self.stopped_task_visibility = parse_duration(stopped_task_visibility)
        self.validate_responses = validate_responses
        self._instance_types = instance_types or catalog_instance_type
        self._host_types = host_types or catalog_host_type
        self.world = World(seed)
        self.fleet = Fleet(
            instance_types=self._instance_types,
            host_types=self._host_types,
            host_limit_per_family=host_limit_per_family,
            affinity_change_requires_stopped=affinity_change_requires_stopped,
        )
        if timing is not None and not isinstance(timing, Ec2Timing):
            timing = Ec2Timing.with_overrides(timing)
        self.control = Ec2ControlPlane(self.world, self.fleet, timing)
        self.calls = 0
        """Calls answered so far (including refusals)."""
        self._lock = threading.RLock()
        self._request_ids = self.world.rng("aws.request_id")
        ec2 = Ec2Service(self)
        if ecs_timing is not None and not isinstance(ecs_timing, EcsTiming):
            ecs_timing = EcsTiming.with_overrides(ecs_timing)
        self.ecs = EcsControlPlane(
            self.world,
            self.control,
            region=region,
            account_id=self.account_id,
            timing=ecs_timing,
            zone_of=lambda iid: ec2.instance_meta_of(iid).availability_zone,
            ami_of=lambda iid: ec2.instance_meta_of(iid).image_id,
        )
        """The ECS control plane answering ``client("ecs")`` (for inspection)."""
        self.capacity = CapacityProviders(self.ecs) if capacity_providers else None
        self.auto_scaling_groups: dict[str, AutoScalingGroup] = {}
        ecs = EcsService(self, self.ecs, ec2.vpc)
        ec2.launch_hooks.append(ecs)
        self.cloudwatch_store = MetricStore()
        """The live metric store: publishers write into it, ``client("cloudwatch")`` reads it."""
        self.alarms = Alarms(region, self.account_id, epoch=start_time)
        """The account's metric alarms (``alarms.subscribe(callback)`` for state changes)."""
        self.alarm_evaluator = AlarmEvaluator(
            self.world,
            self.cloudwatch_store,
            self.alarms,
            ingestion_delay=cloudwatch_ingestion_delay,
        )
        self.alarms.on_put.append(lambda _alarm: self.alarm_evaluator.start())
        self.elbv2 = LoadBalancers(
            region,
            self.account_id,
            ids=self.world.rng("elbv2.ids"),
            zones=zones,
            provisioning_s=parse_duration(elbv2_provisioning),
            clock=lambda: self.world.now,
        )
        """The live ELBv2 model answering ``client("elbv2")``."""
        self.elb_health = HealthChecks(self.world, self.elbv2, elbv2_timing)
        """Health checks and deregistrations of ``elbv2``'s target groups."""
        self.target_registration = TargetRegistration(
            self.ecs, self.elbv2.target_group, timing=elbv2_timing
        )
        """ECS services' ``loadBalancers``: their tasks as targets of ``elbv2``'s groups."""
        self.task_sets = TaskSets(self.ecs)
        """Task sets of CODE_DEPLOY / EXTERNAL services (``simulator.ecs.task_sets``)."""
        self.revision_faults = RevisionFaults(lambda: self.world.now)
        """Bad versions by task definition ARN (``inject_fault``)."""
        self.traffic = TrafficSources(self)
        """What ``send_traffic`` offers to the load balancers, published once a minute."""
        elbv2 = Elbv2Service(self, self.elbv2, self.elb_health)
        self._services: dict[str, Any] = {
            "ec2": ec2,
            "ecs": ecs,
            "elbv2": elbv2,
            "codedeploy": CodeDeployService(self),
            "cloudwatch": CloudWatchService(self),
            "application-autoscaling": ApplicationAutoScalingService(self),
        }
        self.iam = IamAccount(self.account_id, self.world.rng("iam.ids"))
        """The account's IAM principals and policies (``client("iam")``, ``client("sts")``)."""
        self._services["iam"] = IamService(self, self.iam)
        self._services["sts"] = StsService(self)
        self._caller: Caller = admin_caller(self.account_id)
        self.functions = FunctionRegistry(region, self.account_id)
        """Lambda functions registered with ``lambda_function`` (CodeDeploy hooks)."""
        self.autoscaling = AutoScalingService(self, ec2)
        """The Auto Scaling facade answering ``client("autoscaling")`` (hook function runs)."""
        self._services["autoscaling"] = self.autoscaling
        self._session = simulated_session(self, self, frozenset(self._services))
        self._boto3 = boto3.Session(
            botocore_session=self._session, region_name=region, **DUMMY_CREDENTIALS
        )

    def __repr__(self) -> str:
        return (
            f"SimulatedAWS({self.region}, t={format_duration(self.now)}, "
            f"{len(self.fleet.hosts)} hosts, {len(self.fleet.instances)} instances)"
        )

    # ------------------------------------------------------------------ clients
    @property
    def boto3_session(self) -> boto3.Session:
        """A boto3 Session of this account: its clients and resources are simulated."""
        return self._boto3

    def client(
        self,
        service_name: str,
        *,
        region_name: str | None = None,
        config: Config | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
    ) -> BaseClient:
        """A genuine boto3 client whose calls this account answers (ec2, ecs, elbv2...).

        Without credentials it acts as the account's administrator; with a user's access
        key or AssumeRole's credentials it acts as that principal, and every ECS call is
        authorized by its policies (docs/iam.md)."""
        if service_name not in self._services:
            raise EcsimError(
                f"SimulatedAWS simulates only: {', '.join(sorted(self._services))}; "
                f"{service_name!r} is not simulated"
            )
        self._check_region(region_name)
        validating = Config(parameter_validation=True)
        config = validating if config is None else config.merge(validating)
        if aws_access_key_id is None:
            return self._boto3.client(service_name, config=config)
        return self._boto3.client(
            service_name,
            config=config,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
        )

    def service(self, name: str) -> Any:
        """The facade answering ``client(name)`` (for the authorization hook)."""
        return self._services[name]

    def caller(self) -> Caller:
        """The principal of the call being answered (the administrator between calls)."""
        return self._caller

    def resource(self, service_name: str, *, region_name: str | None = None) -> Any:
        """A boto3 resource of this account (``ec2.Instance(...).wait_until_running()``)."""
        if service_name not in self._services:
            raise EcsimError(f"SimulatedAWS simulates only: {', '.join(sorted(self._services))}")
        self._check_region(region_name)
        return self._boto3.resource(service_name, config=Config(parameter_validation=True))

    def _check_region(self, region_name: str | None) -> None:
        if region_name is not None and region_name != self.region:
            raise EcsimError(
                f"this SimulatedAWS is Region {self.region}; make another for {region_name}"
            )

    # ------------------------------------------------------------------ time
    @property
    def now(self) -> float:
        """Simulated seconds since the account was created."""
        return self.world.now

    def timestamp(self, seconds: float | None = None) -> dt.datetime:
        """The wall-clock datetime of simulated second ``seconds`` (default: now)."""
        at = self.now if seconds is None else seconds
        return self.start_time + dt.timedelta(seconds=at)

    def advance(self, duration: Duration) -> float:
        """Run simulated time forward by ``duration`` ("10m", 90); returns the new now."""
        seconds = parse_duration(duration)
        run = current_run()
        if run is not None and run.clock is not None:
            return run.clock.advance(seconds)  # a hook function's sleep: the simulation waits
        with self._lock:
            if seconds > 0:
                self.world.run(self.now + seconds)
            return self.now

    def run_until(self, predicate: Callable[[], bool], timeout: Duration = "1h") -> float:
        """Advance event by event until ``predicate()`` holds; returns the time it did.

        SimulationTimeout if it still does not hold ``timeout`` of simulated time later.
        """
        limit = parse_duration(timeout)
        deadline = self.now + limit
        env = self.world.env
        while not predicate():
            with self._lock:
                if env.peek() > deadline:
                    if deadline > self.now:
                        self.world.run(deadline)
                    if predicate():
                        break
                    raise SimulationTimeout(
                        f"condition not met within {format_duration(limit)} of simulated "
                        f"time (now t={format_duration(self.now)})"
                    )
                env.step()
        return self.now

    def patch_sleep(self) -> AbstractContextManager[None]:
        """``with aws.patch_sleep():`` - ``time.sleep`` in this thread advances this
        account's clock instead of waiting (see ``simulator.aws.sleep``)."""
        return patch_time_sleep(self)

    # ------------------------------------------------------------------ faults
    def send_traffic(
        self,
        target: str,
        rps: float | Mapping[str, Any],
        *,
        workload: str = "web-dynamic",
    ) -> None:
        """Offer ``rps`` requests/s (a number, or a traffic pattern as in scenario files)
        to the load balancer ``target`` (its ARN, DNS name or name) from now until changed
        or stopped with ``rps=0``. Its listener routes them to its target groups' healthy
        targets; the outcomes are AWS/ApplicationELB metrics in ``cloudwatch_store``,
        once a minute (``simulator.aws.traffic``)."""
        with self._lock:
            self.traffic.send(target, rps, workload)

    def inject_fault(
        self,
        task_definition_arn: str,
        *,
        error_probability: float = 0.0,
        latency_multiplier: float = 1.0,
        cpu_cost_factor: float = 1.0,
        memory_leak_mib_per_hour: float = 0.0,
        start_failure_probability: float = 0.0,
        onset: Duration | str = 0,
    ) -> None:
        """Make a task definition revision a bad version (``simulator.faults.revision``):
        its targets answer 5xx with ``error_probability``, respond ``latency_multiplier``
        times slower, serve 1/``cpu_cost_factor`` of the requests/s, leak memory (MiB/h,
        kept in ``revision_faults``), and its tasks fail to start with
        ``start_failure_probability``. ``onset``: a delay from now, or ``"first_request"``.
        ``task_definition_arn`` may also be ``family:revision``; an unknown one is
        ECS's ClientException "Unable to describe task definition."."""
        with self._lock:
            arn = self.ecs.task_definitions.describe(task_definition_arn).arn
            when: float | str = onset if onset == "first_request" else parse_duration(onset)
            fault = RevisionFault.from_fields(
                {
                    "error_probability": error_probability,
                    "latency_multiplier": latency_multiplier,
                    "cpu_cost_factor": cpu_cost_factor,
                    "memory_leak_mib_per_hour": memory_leak_mib_per_hour,
                    "start_failure_probability": start_failure_probability,
                    "onset": when,
                }
            )
            self.revision_faults.inject(arn, fault, now=self.now)
            if start_failure_probability:
                self.ecs.start_failure[arn] = start_failure_probability

    def fail_host(self, host_id: str) -> None:
        """AWS detects a hardware failure of the host now: it goes under-assessment, its
        instances are impaired, and with host recovery on a replacement is allocated."""
        with self._lock:
            self.control.fail_host(host_id)

    # ------------------------------------------------------------------ Auto Scaling
    def create_auto_scaling_group(
        self,
        name: str,
        instance_types: Sequence[str],
        *,
        min_size: int,
        max_size: int,
        desired_capacity: int | None = None,
        cluster: str | None = None,
    ) -> str:
        """An EC2 Auto Scaling group made around the API; returns its ARN,
        for CreateCapacityProvider. ``cluster``: its launch template's user data sets
        ECS_CLUSTER, so its instances join that cluster (a capacity provider does too)."""
        with self._lock:
            if name in self.auto_scaling_groups:
                raise AWSError(
                    "AlreadyExists", f"AutoScalingGroup by this name already exists: {name}"
                )
            join = (lambda iid: self.ecs.join_when_created(iid, cluster)) if cluster else None
            asg = AutoScalingGroup(
                self.world,
                self.control,
                name,
                list(instance_types),
                min_size=min_size,
                max_size=max_size,
                desired_capacity=desired_capacity,
                join=join,
                zone_of=self.ecs.availability_zone,
            )
            asg.listeners.append(self.autoscaling.deliver)
            self.auto_scaling_groups[name] = asg
            asg.start()
            return self.auto_scaling_group_arn(name)

    def on_lifecycle_action(
        self,
        fn: Function,
        *,
        group: str | None = None,
        hook: str | None = None,
        event_format: str = "sns",
        timeout: Duration = "15m",
    ) -> None:
        """Run ``fn(event, context)`` - a Lambda-style handler - for every lifecycle action of
        ``group`` / ``hook`` (default: all), in simulated time (``simulator.aws.functions``).
        ``event_format``: "sns" (the hook notifies an SNS topic the function subscribes to:
        ``event["Records"][0]["Sns"]["Message"]``) or "eventbridge" (``event["detail"]``)."""
        if event_format not in ("sns", "eventbridge"):
            raise EcsimError(f"event_format must be 'sns' or 'eventbridge', got {event_format!r}")
        self.autoscaling.subscribe(Subscription(fn, group, hook, event_format, timeout))

    def lambda_function(self, name: str, handler: Function, *, timeout: Duration = "15m") -> str:
        """Register ``handler(event, context)`` as the Lambda function ``name``; returns its
        ARN. An AppSpec's ``Hooks`` name it (by name or ARN): CodeDeploy invokes it in
        simulated time with the payload AWS sends, and it answers through
        ``client("codedeploy").put_lifecycle_event_hook_execution_status`` as a real hook
        does (``simulator.aws.functions``)."""
        with self._lock:
            return self.functions.register(name, handler, timeout)

    def auto_scaling_group_arn(self, name: str) -> str:
        group = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.account_id}/{self.region}/asg/{name}")
        return (
            f"arn:aws:autoscaling:{self.region}:{self.account_id}:autoScalingGroup:{group}:"
            f"autoScalingGroupName/{name}"
        )

    def auto_scaling_group(self, ref: str) -> AutoScalingGroup:
        """A group by name or ARN (InvalidParameterException, as ECS answers, if none)."""
        name = ref.rsplit("autoScalingGroupName/", 1)[-1]
        found = self.auto_scaling_groups.get(name)
        if found is None:
            raise AWSError(
                "InvalidParameterException",
                f"The specified Auto Scaling group {ref} could not be found (ecsim wording).",
            )
        return found

    # ------------------------------------------------------------------ views
    def instance_type(self, name: str) -> InstanceTypeLike:
        return self._instance_types(name)

    def host_type(self, family: str) -> HostType:
        return self._host_types(family)

    def family_types(self, family: str) -> list[InstanceTypeLike]:
        """The catalog's instance types of ``family``, smallest first."""
        types = [t for t in catalog_instance_types().values() if t.family == family]
        return sorted(types, key=lambda t: (t.vcpu, t.name))

    # ------------------------------------------------------------------ answering
    def respond(
        self, model: OperationModel, params: Mapping[str, Any] | None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one call (botocore hooks call this): (HTTP status, parsed response)."""
        # a hook function calls while the simulation waits for it, under its lock
        with self._lock if current_run() is None else contextlib.nullcontext():
            self.calls += 1
            service_name = model.service_model.service_name
            service = self._services.get(service_name)
            error: AWSError | None = None
            try:
                if service is None or params is None:
                    raise errors.not_simulated(
                        f"the {service_name} service ({service_name}.{model.name})",
                        self._services,
                    )
                previous = self._caller
                self._caller = authorization.check(self, service_name, model, params)
                try:
                    parsed = service.handle(model, params)
                finally:
                    self._caller = previous
                status = 200
            except AWSError as e:
                error = e
                status = e.http_status
                parsed = {"Error": {"Code": e.code, "Message": e.message}}
                details = getattr(service, "error_details", None)
                if details is not None:
                    parsed["Error"].update(details(model, e))
                parsed.update(_modeled_error_fields(model, e))
            parsed["ResponseMetadata"] = self._metadata(status, service_name, error)
            if self.validate_responses:
                check_output(model, parsed)
            return status, parsed

    def _metadata(
        self, status: int, service_name: str = "ec2", error: AWSError | None = None
    ) -> dict[str, Any]:
        request_id = str(uuid.UUID(bytes=self._request_ids.bytes(16), version=4))
        if service_name == "cloudwatch":
            # botocore 1.44 speaks smithy-rpc-v2-cbor to CloudWatch (awsQueryCompatible).
            cbor: dict[str, str] = {
                "content-type": "application/cbor",
                "date": format_datetime(self.timestamp().astimezone(dt.UTC), usegmt=True),
                "smithy-protocol": "rpc-v2-cbor",
                "x-amzn-requestid": request_id,
            }
            if error is not None:
                cbor["x-amzn-query-error"] = f"{error.code};Sender"
            return {
                "RequestId": request_id,
                "HTTPStatusCode": status,
                "HTTPHeaders": cbor,
                "RetryAttempts": 0,
            }
        json_protocol = service_name in authorization.JSON_SERVICES
        content_type = "application/x-amz-json-1.1" if json_protocol else "text/xml;charset=UTF-8"
        headers = {
            "content-type": content_type,
            "date": format_datetime(self.timestamp().astimezone(dt.UTC), usegmt=True),
            "server": "Server" if json_protocol else "AmazonEC2",
            "x-amzn-requestid": request_id,
        }
        return {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        }
