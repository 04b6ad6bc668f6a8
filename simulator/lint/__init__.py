"""Static checks of ECS artefacts against AWS's security controls (``ecsim lint``)."""
