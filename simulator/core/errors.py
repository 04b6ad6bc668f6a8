"""The project's error types.

Every error a user can cause carries enough to act on: a scenario error names the file
and field path, an AWS error carries AWS's own error code and names the resource, its
state and the rule that refused the action.
"""

from __future__ import annotations


class EcsimError(Exception):
    """Base class of every error ecsim raises on purpose."""


class DurationError(EcsimError, ValueError):
    """A duration string such as "5m" could not be read."""


class ScenarioError(EcsimError):
    """A scenario file is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class CatalogError(EcsimError, KeyError):
    """An instance type, host type or profile is not in the catalog."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class AWSError(EcsimError):
    """An action AWS itself would refuse, with AWS's error code.

    ``code`` is the exact code AWS returns (``IncorrectInstanceState``,
    ``InvalidHostId.NotFound``...); ``http_status`` is the status the API answers with.
    The boto3 facade turns these into ``botocore.exceptions.ClientError``.
    """

    def __init__(self, code: str, message: str, http_status: int = 400):
        self.code = code
        self.message = message
        self.http_status = http_status
        super().__init__(f"{code}: {message}")


class OutputExistsError(EcsimError):
    """The output directory exists and overwriting it was not asked for."""


class OutputRefusedError(EcsimError):
    """The output path is something a report must not replace (a file, a user's own
    directory, the current directory)."""


class OutputLockedError(EcsimError):
    """Another run holds the output directory's lock."""
