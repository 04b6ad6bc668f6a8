"""An ECS drain hook in the shape AWS users deploy (the aws-cdk ECS cluster capacity's
drain-instance function): subscribed to the SNS topic of an Auto Scaling termination
lifecycle hook, it sets the container instance to DRAINING, waits for its tasks to stop,
then lets the termination continue. Module-level clients, time.sleep polling, unchanged
from what runs in Lambda."""

import json
import os
import time

import boto3

ecs = boto3.client("ecs")
autoscaling = boto3.client("autoscaling")


def lambda_handler(event, context):
    print(json.dumps(event))
    cluster = os.environ["CLUSTER"]
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    if "autoscaling:EC2_INSTANCE_TERMINATING" not in message.get("LifecycleTransition", ""):
        print("Exiting: the lifecycle transition is not EC2_INSTANCE_TERMINATING.")
        return
    instance_id = message["EC2InstanceId"]
    arn = container_instance(cluster, instance_id)
    print(f"Instance {instance_id} has container instance ARN {arn}")
    if arn is None:
        return
    task_arns = ecs.list_tasks(cluster=cluster, containerInstance=arn)["taskArns"]
    while still_busy(cluster, arn, task_arns):
        time.sleep(10)
    try:
        autoscaling.complete_lifecycle_action(
            LifecycleActionResult="CONTINUE",
            **{
                k: message[k]
                for k in ("LifecycleHookName", "LifecycleActionToken", "AutoScalingGroupName")
            },
        )
    except Exception as e:  # the action may have completed already
        print(str(e))


def container_instance(cluster, instance_id):
    arns = ecs.list_container_instances(cluster=cluster, filter="ec2InstanceId==" + instance_id)[
        "containerInstanceArns"
    ]
    return arns[0] if arns else None


def still_busy(cluster, arn, task_arns):
    found = ecs.describe_container_instances(cluster=cluster, containerInstances=[arn])[
        "containerInstances"
    ]
    if not found:
        return False
    instance = found[0]
    if instance["status"] == "ACTIVE":
        ecs.update_container_instances_state(
            cluster=cluster, containerInstances=[arn], status="DRAINING"
        )
        return True
    count = None
    if task_arns:
        tasks = ecs.describe_tasks(cluster=cluster, tasks=task_arns)["tasks"]
        if tasks:
            count = sum(t["lastStatus"] != "STOPPED" for t in tasks) + instance["pendingTasksCount"]
    if not count:
        count = instance["runningTasksCount"] + instance["pendingTasksCount"]
    print(f"Instance {arn} has {count} tasks")
    return count > 0
