"""Instance operations: RunInstances, DescribeInstances, DescribeInstanceStatus,
Start/Stop/Reboot/TerminateInstances and ModifyInstancePlacement."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from botocore.model import OperationModel

from simulator.aws import errors, limits
from simulator.aws.ec2_network_interfaces import instance_filters as interface_filters
from simulator.aws.ec2_network_interfaces import instance_network
from simulator.aws.ec2_templates import merged_run_params
from simulator.aws.ec2_views import (
    InstanceMeta,
    instance_filters,
    instance_view,
    is_running,
    status_filters,
    status_view,
)
from simulator.aws.ec2_vpc import NO_FREE_ADDRESS, placement_of
from simulator.aws.filters import apply_filters, paginate
from simulator.core.errors import AWSError
from simulator.lifecycle.fleet import Changes, InstanceStateChange
from simulator.lifecycle.instance import STATE_CODES, Instance, InstanceState

if TYPE_CHECKING:
    from simulator.aws.ec2 import Ec2Service

AMI_ID = re.compile(r"ami-(?:[0-9a-f]{8}|[0-9a-f]{17})")
DEFAULT_INSTANCE_TYPE = "m1.small"
"""RunInstances without InstanceType launches m1.small (API reference)."""

SIMULATED_PLACEMENT = ("AvailabilityZone", "Tenancy", "HostId", "Affinity")
UNTAGGED_RESOURCES = ("volume",)
"""TagSpecifications resource types RunInstances accepts that ecsim does not model."""


def run_instances(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Launch up to MaxCount (at least MinCount, all or nothing) instances in pending.

    A Placement with HostId or Affinity 'host' and no Tenancy gets Tenancy 'host' (as the
    API reference says for HostResourceGroupArn; assumed for HostId). A LaunchTemplate's
    data fills in what the request does not give."""
    if "LaunchTemplate" in p:
        op = svc.operations[model.name]
        p = merged_run_params(svc, p, (op.params | op.inert) - {"LaunchTemplate"})
    image = p.get("ImageId")
    if image is None:
        raise AWSError(errors.MISSING_PARAMETER, "The request must contain the parameter ImageId")
    if not AMI_ID.fullmatch(image):
        raise AWSError(
            errors.INVALID_AMI_ID_MALFORMED, f'Invalid id: "{image}" (expecting "ami-...")'
        )
    placement = dict(p.get("Placement") or {})
    if placement.get("GroupName") == "":
        del placement["GroupName"]
    extra = sorted(set(placement) - set(SIMULATED_PLACEMENT))
    if extra:
        raise errors.not_simulated(
            f"the RunInstances Placement member(s) {', '.join(extra)}", SIMULATED_PLACEMENT
        )
    host_id = placement.get("HostId")
    affinity = placement.get("Affinity")
    tenancy = placement.get("Tenancy") or (
        "host" if host_id is not None or affinity == "host" else "default"
    )
    zone = svc.zone(placement["AvailabilityZone"]) if "AvailabilityZone" in placement else None
    zone, subnet_id, groups = placement_of(
        svc, p.get("SubnetId"), p.get("SecurityGroupIds") or [], p.get("SecurityGroups") or [], zone
    )
    if host_id is not None and zone is not None:
        _same_zone(svc, host_id, zone, "the requested Availability Zone")
    specs = p.get("TagSpecifications")
    tags = svc.tags(specs, "instance", ignored=(*UNTAGGED_RESOURCES, "network-interface"))
    eni_tags = svc.tags(specs, "network-interface", ignored=(*UNTAGGED_RESOURCES, "instance"))
    earlier = svc.replay(model.name, p)
    if earlier is not None:
        rid, ids = earlier
        return reservation(svc, rid, ids)
    for hook in svc.launch_hooks:
        hook.check_launch(p)
    scoped = tenancy == "host" and host_id is None and zone is not None
    live = sum(1 for i in svc.fleet.instances.values() if i.state is not InstanceState.TERMINATED)
    max_count = limits.instances_launchable(live, p["MinCount"], p["MaxCount"])
    if subnet_id is not None and max_count is not None:
        max_count = _addresses_for(svc, subnet_id, p["MinCount"], max_count)
    svc.launching = True
    try:
        with svc.auto_placement_only_in({zone}) if scoped and zone else nullcontext():
            ids = svc.control.run_instances(
                p.get("InstanceType", DEFAULT_INSTANCE_TYPE),
                p["MaxCount"] if max_count is None else max_count,
                min_count=p["MinCount"],
                tenancy=tenancy,
                host_id=host_id,
                affinity=affinity or "default",
                hibernation_configured=bool((p.get("HibernationOptions") or {}).get("Configured")),
            )
    finally:
        svc.launching = False
    rid = svc.new_reservation_id()
    for index, iid in enumerate(ids):
        inst = svc.fleet.instances[iid]
        az = (
            svc.host_meta_of(inst.host_id).availability_zone
            if inst.host_id
            else (zone or svc.zone(None))
        )
        subnet = subnet_id or svc.default_subnet_id(az)
        svc.instance_meta[iid] = InstanceMeta(
            reservation_id=rid,
            image_id=image,
            launch_index=index,
            availability_zone=az,
            tags=dict(tags),
            key_name=p.get("KeyName"),
            client_token=p.get("ClientToken"),
            monitoring=bool((p.get("Monitoring") or {}).get("Enabled")),
            ebs_optimized=bool(p.get("EbsOptimized", False)),
            subnet_id=subnet,
            vpc_id=svc.vpc.subnet(subnet).vpc_id if subnet else None,
            security_groups=list(groups),
            user_data=_text(p.get("UserData")),
            disable_api_termination=bool(p.get("DisableApiTermination", False)),
            disable_api_stop=bool(p.get("DisableApiStop", False)),
            shutdown_behavior=p.get("InstanceInitiatedShutdownBehavior", "stop"),
            interface_tags=dict(eni_tags),
        )
        svc.attach_primary(iid)
    svc.remember(model.name, p, (rid, list(ids)))
    for hook in svc.launch_hooks:
        hook.launched(ids, p)
    return reservation(svc, rid, ids)


def _addresses_for(svc: Ec2Service, subnet_id: str, min_count: int, max_count: int) -> int:
    """MaxCount cut to the subnet's free addresses (each instance's primary interface
    takes one); not even MinCount fitting is refused (message assumed)."""
    free = svc.vpc.free_addresses(subnet_id)
    if free < min_count:
        raise AWSError(
            NO_FREE_ADDRESS,
            f"There are not enough free addresses in subnet '{subnet_id}' to satisfy the "
            "requested number of instances.",
        )
    return min(max_count, free)


def _text(user_data: str | bytes | None) -> str | None:
    if user_data is None:
        return None
    return user_data.decode() if isinstance(user_data, bytes) else user_data


def reservation(svc: Ec2Service, rid: str, ids: Sequence[str]) -> dict[str, Any]:
    """A Reservation (RunInstances' whole response, one item of DescribeInstances)."""
    return {
        "ReservationId": rid,
        "OwnerId": svc.account.account_id,
        "Groups": [],
        "Instances": [
            instance_view(svc.fleet.instances[i], svc.instance_meta_of(i), svc.account)
            | instance_network(svc, i)
            for i in ids
        ],
    }


def _no_ids_with_max_results(p: dict[str, Any]) -> None:
    if p.get("InstanceIds") and "MaxResults" in p:
        raise AWSError(
            errors.INVALID_PARAMETER_COMBINATION,
            "The parameter instancesSet cannot be used with the parameter maxResults",
        )


def _rows(svc: Ec2Service, ids: Sequence[str]) -> list[tuple[Instance, InstanceMeta]]:
    insts = svc.find_instances(ids) if ids else svc.visible_instances()
    return [(i, svc.instance_meta_of(i.instance_id)) for i in insts]


def describe_instances(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Instances grouped by reservation; recently terminated ones stay visible for a
    while ('usually less than one hour', API reference)."""
    _no_ids_with_max_results(p)
    rows = apply_filters(
        _rows(svc, p.get("InstanceIds") or []),
        p.get("Filters"),
        {**instance_filters(svc.account), **interface_filters(svc)},
        operation_model=model,
        tags=lambda r: r[1].tags,
    )
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=1000)
    groups: dict[str, list[str]] = {}
    for inst, meta in page:
        groups.setdefault(meta.reservation_id, []).append(inst.instance_id)
    out: dict[str, Any] = {"Reservations": [reservation(svc, r, ids) for r, ids in groups.items()]}
    if token:
        out["NextToken"] = token
    return out


def describe_instance_status(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Status checks: impaired while the host has failed; only running instances unless
    IncludeAllInstances (the others are not-applicable)."""
    _no_ids_with_max_results(p)
    rows = _rows(svc, p.get("InstanceIds") or [])
    if not p.get("IncludeAllInstances", False):
        rows = [r for r in rows if is_running(r[0])]
    rows = apply_filters(rows, p.get("Filters"), status_filters(svc.account), operation_model=model)
    page, token = paginate(rows, p.get("MaxResults"), p.get("NextToken"), low=5, high=1000)
    out: dict[str, Any] = {
        "InstanceStatuses": [status_view(i, meta, svc.account) for i, meta in page]
    }
    if token:
        out["NextToken"] = token
    return out


def _targets(svc: Ec2Service, p: dict[str, Any]) -> list[Instance]:
    ids = p.get("InstanceIds") or []
    if not ids:
        raise AWSError(errors.INVALID_PARAMETER_COMBINATION, "No instances specified")
    return svc.find_instances(ids)


def _state(state: InstanceState) -> dict[str, Any]:
    return {"Code": STATE_CODES[state], "Name": state.api_name}


def state_changes(insts: Sequence[Instance], changes: Changes) -> list[dict[str, Any]]:
    """InstanceStateChange items, one per requested instance, in request order."""
    first: dict[str, InstanceStateChange] = {}
    for change in changes.instances:
        first.setdefault(change.instance_id, change)
    out = []
    for inst in insts:
        c = first.get(inst.instance_id)
        if c is None:
            previous = current = inst.state
        else:
            # Stop, start and terminate are Fleet transitions; only a launch has no previous.
            assert c.previous_state is not None
            previous, current = c.previous_state, c.current_state
        out.append(
            {
                "CurrentState": _state(current),
                "InstanceId": inst.instance_id,
                "PreviousState": _state(previous),
            }
        )
    return out


def start_instances(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Stopped host-tenancy instances restart within their Availability Zone."""
    insts = _targets(svc, p)
    zones = {
        svc.instance_meta_of(i.instance_id).availability_zone
        for i in insts
        if i.tenancy == "host" and i.state is InstanceState.STOPPED
    }
    with svc.auto_placement_only_in(zones) if zones else nullcontext():
        changes = svc.control.start_instances([i.instance_id for i in insts])
    return {"StartingInstances": state_changes(insts, changes)}


def stop_instances(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    """Refused for an instance with stop protection (disableApiStop)."""
    insts = _targets(svc, p)
    for i in insts:
        if svc.instance_meta_of(i.instance_id).disable_api_stop:
            raise AWSError(
                errors.OPERATION_NOT_PERMITTED,
                f"The instance '{i.instance_id}' may not be stopped. Modify its "
                "'disableApiStop' instance attribute and try again.",
            )
    changes = svc.control.stop_instances(
        [i.instance_id for i in insts], hibernate=bool(p.get("Hibernate", False))
    )
    return {"StoppingInstances": state_changes(insts, changes)}


REBOOT_IGNORES = (InstanceState.TERMINATED, InstanceState.REBOOTING)
"""RebootInstances reference: 'it only queues a request to reboot... The operation succeeds
if the instances are valid and belong to you. Requests to reboot terminated instances are
ignored.' So a terminated instance is left alone, and one already rebooting (which the API
reports as running) keeps rebooting. The lifecycle table refuses both (IncorrectInstanceState);
the API answers here."""


def reboot_instances(svc: Ec2Service, model: OperationModel, p: dict[str, Any]) -> dict[str, Any]:
    insts = _targets(svc, p)
    ids = [i.instance_id for i in insts if i.state not in REBOOT_IGNORES]
    if ids:
        svc.control.reboot_instances(ids)
    return {}


def terminate_instances(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """Refused for an instance with termination protection (disableApiTermination)."""
    insts = _targets(svc, p)
    for i in insts:
        if svc.instance_meta_of(i.instance_id).disable_api_termination:
            raise AWSError(
                errors.OPERATION_NOT_PERMITTED,
                f"The instance '{i.instance_id}' may not be terminated. Modify its "
                "'disableApiTermination' instance attribute and try again.",
            )
    changes = svc.control.terminate_instances([i.instance_id for i in insts])
    return {"TerminatingInstances": state_changes(insts, changes)}


def modify_instance_placement(
    svc: Ec2Service, model: OperationModel, p: dict[str, Any]
) -> dict[str, Any]:
    """A stopped instance moves to another host of its own Availability Zone."""
    inst = svc.find_instances([p["InstanceId"]])[0]
    host_id = p.get("HostId")
    if host_id is not None:
        zone = svc.instance_meta_of(inst.instance_id).availability_zone
        _same_zone(svc, host_id, zone, f"instance {inst.instance_id}'s Availability Zone")
    ok = svc.control.modify_instance_placement(
        inst.instance_id, host_id=host_id, affinity=p.get("Affinity"), tenancy=p.get("Tenancy")
    )
    return {"Return": bool(ok)}


def _same_zone(svc: Ec2Service, host_id: str, zone: str, what: str) -> None:
    """Assumed (no source names the code): a host in another zone is refused."""
    host = svc.fleet.hosts.get(host_id)
    if host is None or host.released:
        return  # the Fleet answers InvalidHostID.NotFound
    host_zone = svc.host_meta_of(host_id).availability_zone
    if host_zone != zone:
        raise AWSError(
            errors.INVALID_PARAMETER_COMBINATION,
            f"The Dedicated Host '{host_id}' is in {host_zone}, not in {what} ({zone}).",
        )
