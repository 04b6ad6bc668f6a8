"""Amazon ECS: task definitions, container instances, placement, tasks and services.

Pure domain modules (``task_definition``, ``container_instance``, ``query``,
``placement``, ``task``, ``deployment``) know nothing of simpy; ``control`` drives them
in simulated time on top of the EC2 control plane.
"""
