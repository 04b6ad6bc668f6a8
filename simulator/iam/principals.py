"""IAM principals of one account, pure: roles, users, managed and inline policies, access
keys and the temporary credentials STS issues, and who holds a given access key.

Names follow IAM: role and user names are unique case-insensitively; unique IDs start
with AROA (role), AIDA (user), ANPA (managed policy), access key IDs with AKIA (long-term)
or ASIA (temporary). Errors are IAM's codes (NoSuchEntity, EntityAlreadyExists,
InvalidInput, LimitExceeded) with IAM's wording.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.core.errors import AWSError
from simulator.iam.policy import Policy, parse_policy

NO_SUCH_ENTITY = "NoSuchEntity"
ENTITY_ALREADY_EXISTS = "EntityAlreadyExists"
INVALID_INPUT = "InvalidInput"
LIMIT_EXCEEDED = "LimitExceeded"
MAX_TAGS = 50
"""IAM quotas: 50 tags per role or user."""
MAX_MANAGED_PER_PRINCIPAL = 10
"""IAM quotas: 10 managed policies attached to a role or user (default, adjustable)."""
NAME = re.compile(r"[\w+=,.@-]{1,64}")
ALNUM = string.ascii_uppercase + string.digits

ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
AWS_MANAGED: Mapping[str, str] = {
    ADMINISTRATOR_ACCESS: (
        '{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
    ),
}
"""The AWS managed policies ecsim knows (others are NoSuchEntity)."""


def no_such(kind: str, name: str) -> AWSError:
    return AWSError(NO_SUCH_ENTITY, f"The {kind} with name {name} cannot be found.", 404)


def tags_of(items: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items}


@dataclass
class ManagedPolicy:
    name: str
    arn: str
    policy_id: str
    policy: Policy
    path: str = "/"
    description: str = ""
    created_at: float = 0.0
    attachments: int = 0
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Identity:
    """A role or a user: tags, attached managed policies (ARNs), inline policies."""

    name: str
    arn: str
    unique_id: str
    path: str = "/"
    created_at: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)
    attached: list[str] = field(default_factory=list)
    inline: dict[str, Policy] = field(default_factory=dict)


@dataclass
class Role(Identity):
    trust: Policy | None = None
    description: str = ""
    max_session_duration: int = 3600


@dataclass
class User(Identity):
    pass


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    secret: str
    user: str
    created_at: float


@dataclass(frozen=True)
class Session:
    """Temporary credentials of an assumed role (AssumeRole)."""

    key_id: str
    secret: str
    token: str
    role: str
    name: str
    expires_at: float
    tags: Mapping[str, str] = field(default_factory=dict)

    def arn(self, account_id: str) -> str:
        return f"arn:aws:sts::{account_id}:assumed-role/{self.role}/{self.name}"


def _check_tags(tags: Mapping[str, str], kind: str) -> None:
    if len(tags) > MAX_TAGS:
        raise AWSError(LIMIT_EXCEEDED, f"Cannot exceed quota for TagsPer{kind}: {MAX_TAGS}.", 409)
    for key in tags:
        if key.lower().startswith("aws:"):
            raise AWSError(
                INVALID_INPUT,
                "Tag keys starting with aws: are reserved for AWS use (ecsim wording).",
            )


class IamAccount:
    """The IAM state of one account; ``ids`` draws every generated identifier."""

    def __init__(self, account_id: str, ids: np.random.Generator):
        self.account_id = account_id
        self._ids = ids
        self.roles: dict[str, Role] = {}  # lower-cased name -> role
        self.users: dict[str, User] = {}
        self.policies: dict[str, ManagedPolicy] = {}  # ARN -> policy
        self.access_keys: dict[str, AccessKey] = {}
        self.sessions: dict[str, Session] = {}

    # ------------------------------------------------------------------ ids
    def new_id(self, prefix: str, length: int = 17) -> str:
        return prefix + self._draw(ALNUM, length)

    def _draw(self, alphabet: str, length: int) -> str:
        return "".join(alphabet[int(i)] for i in self._ids.integers(0, len(alphabet), length))

    def new_secret(self, length: int = 40) -> str:
        alphabet = string.ascii_letters + string.digits + "+/"
        return self._draw(alphabet, length)

    # ------------------------------------------------------------------ lookups
    def role(self, name: str) -> Role:
        found = self.roles.get(name.lower())
        if found is None:
            raise no_such("role", name)
        return found

    def user(self, name: str) -> User:
        found = self.users.get(name.lower())
        if found is None:
            raise no_such("user", name)
        return found

    def role_by_arn(self, arn: str) -> Role:
        name = arn.rsplit("/", 1)[-1]
        role = self.roles.get(name.lower())
        if role is None or role.arn != arn:
            raise no_such("role", name)
        return role

    def managed(self, arn: str) -> ManagedPolicy:
        found = self.policies.get(arn)
        if found is None and arn in AWS_MANAGED:
            name = arn.rsplit("/", 1)[-1]
            found = ManagedPolicy(name, arn, self.new_id("ANPA"), parse_policy(AWS_MANAGED[arn]))
            self.policies[arn] = found
        if found is None:
            raise AWSError(
                NO_SUCH_ENTITY, f"Policy {arn} does not exist or is not attachable.", 404
            )
        return found

    def policies_of(self, identity: Identity) -> list[Policy]:
        """Every identity-based policy of ``identity``: attached, then inline by name."""
        out = [self.managed(arn).policy for arn in identity.attached]
        return out + [identity.inline[n] for n in sorted(identity.inline)]

    # ------------------------------------------------------------------ changes
    def _name(self, name: str, kind: str) -> None:
        if not NAME.fullmatch(name):
            raise AWSError(
                INVALID_INPUT,
                f"The specified value for {kind}Name is invalid. It must contain only "
                "alphanumeric characters and/or the following: +=,.@_-",
            )

    def create_role(
        self,
        name: str,
        trust: str,
        *,
        path: str = "/",
        description: str = "",
        max_session_duration: int = 3600,
        tags: Sequence[Mapping[str, str]] = (),
        now: float = 0.0,
    ) -> Role:
        self._name(name, "role")
        if name.lower() in self.roles:
            raise AWSError(ENTITY_ALREADY_EXISTS, f"Role with name {name} already exists.", 409)
        if not 3600 <= max_session_duration <= 43200:
            raise AWSError(
                INVALID_INPUT,
                "MaxSessionDuration must be between 3600 and 43200 seconds (ecsim wording).",
            )
        tag_map = tags_of(tags)
        _check_tags(tag_map, "Role")
        role = Role(
            name=name,
            arn=f"arn:aws:iam::{self.account_id}:role{path}{name}",
            unique_id=self.new_id("AROA"),
            path=path,
            created_at=now,
            tags=tag_map,
            trust=parse_policy(trust, kind="trust"),
            description=description,
            max_session_duration=max_session_duration,
        )
        self.roles[name.lower()] = role
        return role

    def create_user(
        self,
        name: str,
        *,
        path: str = "/",
        tags: Sequence[Mapping[str, str]] = (),
        now: float = 0.0,
    ) -> User:
        self._name(name, "user")
        if name.lower() in self.users:
            raise AWSError(ENTITY_ALREADY_EXISTS, f"User with name {name} already exists.", 409)
        tag_map = tags_of(tags)
        _check_tags(tag_map, "User")
        user = User(
            name=name,
            arn=f"arn:aws:iam::{self.account_id}:user{path}{name}",
            unique_id=self.new_id("AIDA"),
            path=path,
            created_at=now,
            tags=tag_map,
        )
        self.users[name.lower()] = user
        return user

    def create_policy(
        self,
        name: str,
        document: str,
        *,
        path: str = "/",
        description: str = "",
        tags: Sequence[Mapping[str, str]] = (),
        now: float = 0.0,
    ) -> ManagedPolicy:
        self._name(name, "policy")
        arn = f"arn:aws:iam::{self.account_id}:policy{path}{name}"
        if arn in self.policies:
            raise AWSError(
                ENTITY_ALREADY_EXISTS,
                f"A policy called {name} already exists. Duplicate names are not allowed.",
                409,
            )
        policy = ManagedPolicy(
            name,
            arn,
            self.new_id("ANPA"),
            parse_policy(document),
            path,
            description,
            now,
            tags=tags_of(tags),
        )
        self.policies[arn] = policy
        return policy

    def tag(self, identity: Identity, tags: Sequence[Mapping[str, str]], kind: str) -> None:
        merged = {**identity.tags, **tags_of(tags)}
        _check_tags(merged, kind)
        identity.tags = merged

    def untag(self, identity: Identity, keys: Iterable[str]) -> None:
        drop = set(keys)
        identity.tags = {k: v for k, v in identity.tags.items() if k not in drop}

    def attach(self, identity: Identity, arn: str) -> None:
        policy = self.managed(arn)
        if arn in identity.attached:
            return
        if len(identity.attached) >= MAX_MANAGED_PER_PRINCIPAL:
            raise AWSError(
                LIMIT_EXCEEDED,
                f"Cannot exceed quota for PoliciesPerRole: {MAX_MANAGED_PER_PRINCIPAL}",
                409,
            )
        identity.attached.append(arn)
        policy.attachments += 1

    def detach(self, identity: Identity, arn: str) -> None:
        if arn not in identity.attached:
            raise AWSError(NO_SUCH_ENTITY, f"Policy {arn} was not found.", 404)
        identity.attached.remove(arn)
        self.managed(arn).attachments -= 1

    def put_inline(self, identity: Identity, name: str, document: str) -> None:
        self._name(name, "policy")
        identity.inline[name] = parse_policy(document)

    def create_access_key(self, user: User, now: float) -> AccessKey:
        if sum(1 for k in self.access_keys.values() if k.user == user.name) >= 2:
            raise AWSError(LIMIT_EXCEEDED, "Cannot exceed quota for AccessKeysPerUser: 2", 409)
        key = AccessKey(self.new_id("AKIA", 16), self.new_secret(), user.name, now)
        self.access_keys[key.key_id] = key
        return key

    def start_session(
        self, role: Role, name: str, expires_at: float, tags: Mapping[str, str]
    ) -> Session:
        session = Session(
            self.new_id("ASIA", 16),
            self.new_secret(),
            self.new_secret(356),
            role.name,
            name,
            expires_at,
            dict(tags),
        )
        self.sessions[session.key_id] = session
        return session
