"""Error codes of the deployment layer, spelled as botocore's service models spell them.

CodeDeploy codes are the exception shape names of codedeploy 2014-10-06; ECS's own
strategies answer ECS's InvalidParameterException. Codes are data so tests can assert
that every one the layer raises is one the service model declares.
"""

from __future__ import annotations

# CodeDeploy: deployment configurations
DEPLOYMENT_CONFIG_ALREADY_EXISTS = "DeploymentConfigAlreadyExistsException"
DEPLOYMENT_CONFIG_DOES_NOT_EXIST = "DeploymentConfigDoesNotExistException"
DEPLOYMENT_CONFIG_IN_USE = "DeploymentConfigInUseException"
DEPLOYMENT_CONFIG_LIMIT_EXCEEDED = "DeploymentConfigLimitExceededException"
DEPLOYMENT_CONFIG_NAME_REQUIRED = "DeploymentConfigNameRequiredException"
INVALID_DEPLOYMENT_CONFIG_NAME = "InvalidDeploymentConfigNameException"
INVALID_TRAFFIC_ROUTING = "InvalidTrafficRoutingConfigurationException"
INVALID_MINIMUM_HEALTHY_HOSTS = "InvalidMinimumHealthyHostValueException"
INVALID_COMPUTE_PLATFORM = "InvalidComputePlatformException"
INVALID_OPERATION = "InvalidOperationException"

# CodeDeploy: applications and deployment groups
APPLICATION_ALREADY_EXISTS = "ApplicationAlreadyExistsException"
APPLICATION_DOES_NOT_EXIST = "ApplicationDoesNotExistException"
APPLICATION_NAME_REQUIRED = "ApplicationNameRequiredException"
INVALID_APPLICATION_NAME = "InvalidApplicationNameException"
DEPLOYMENT_GROUP_ALREADY_EXISTS = "DeploymentGroupAlreadyExistsException"
DEPLOYMENT_GROUP_DOES_NOT_EXIST = "DeploymentGroupDoesNotExistException"
DEPLOYMENT_GROUP_NAME_REQUIRED = "DeploymentGroupNameRequiredException"
INVALID_DEPLOYMENT_GROUP_NAME = "InvalidDeploymentGroupNameException"
ROLE_REQUIRED = "RoleRequiredException"
INVALID_ROLE = "InvalidRoleException"
INVALID_ECS_SERVICE = "InvalidECSServiceException"
ECS_SERVICE_MAPPING_LIMIT_EXCEEDED = "ECSServiceMappingLimitExceededException"
INVALID_TARGET_GROUP_PAIR = "InvalidTargetGroupPairException"
INVALID_LOAD_BALANCER_INFO = "InvalidLoadBalancerInfoException"
INVALID_DEPLOYMENT_STYLE = "InvalidDeploymentStyleException"
INVALID_BLUE_GREEN_CONFIG = "InvalidBlueGreenDeploymentConfigurationException"
INVALID_ALARM_CONFIG = "InvalidAlarmConfigException"
ALARMS_LIMIT_EXCEEDED = "AlarmsLimitExceededException"
INVALID_AUTO_ROLLBACK_CONFIG = "InvalidAutoRollbackConfigException"
INVALID_INPUT = "InvalidInputException"
BATCH_LIMIT_EXCEEDED = "BatchLimitExceededException"
INVALID_NEXT_TOKEN = "InvalidNextTokenException"

# CodeDeploy: deployments and hooks
DEPLOYMENT_LIMIT_EXCEEDED = "DeploymentLimitExceededException"
DEPLOYMENT_DOES_NOT_EXIST = "DeploymentDoesNotExistException"
DEPLOYMENT_ALREADY_COMPLETED = "DeploymentAlreadyCompletedException"
DEPLOYMENT_NOT_READY = "DeploymentIsNotInReadyStateException"
INVALID_DEPLOYMENT_STATUS = "InvalidDeploymentStatusException"
INVALID_DEPLOYMENT_WAIT_TYPE = "InvalidDeploymentWaitTypeException"
INVALID_HOOK_STATUS = "InvalidLifecycleEventHookExecutionStatusException"
INVALID_HOOK_EXECUTION_ID = "InvalidLifecycleEventHookExecutionIdException"
LIFECYCLE_EVENT_ALREADY_COMPLETED = "LifecycleEventAlreadyCompletedException"

# ECS's own strategies
ECS_INVALID_PARAMETER = "InvalidParameterException"
ECS_CLIENT_EXCEPTION = "ClientException"

CODEDEPLOY: frozenset[str] = frozenset(
    v
    for k, v in dict(globals()).items()
    if k.isupper() and not k.startswith("ECS_") and isinstance(v, str)
)
"""Every CodeDeploy code this layer raises (each an error shape of the service model)."""

INVALID_ZONAL_CONFIG = "InvalidZonalDeploymentConfigurationException"
INVALID_REVISION = "InvalidRevisionException"
CODEDEPLOY_ALL: frozenset[str] = CODEDEPLOY | {INVALID_ZONAL_CONFIG, INVALID_REVISION}
