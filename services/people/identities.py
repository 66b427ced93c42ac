"""The Cognito side of a user: the identity created with the user (and removed if the
database write fails), and its groups kept in step with the role. Without a user pool (a
bare local stack) a user gets a random id and no identity."""

from __future__ import annotations

import logging
import uuid

from botocore.exceptions import ClientError

from services.auth.identity import Role
from services.people.records import User
from services.platform.errors import Conflict
from services.runtime.wiring import Runtime
from services.store.dynamo import client_error_code

log = logging.getLogger("prework.people")

ROLE_GROUPS = {Role.ADMIN: "admin", Role.MANAGER: "manager"}


async def create_identity(
    *, runtime: Runtime, email: str, username: str, role: Role, password: str | None
) -> str:
    pool = runtime.settings.cognito_user_pool_id
    if not pool:
        return str(uuid.uuid4())
    cognito = runtime.aws.cognito
    request: dict[str, object] = {
        "UserPoolId": pool,
        "Username": email,
        "UserAttributes": [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:username", "Value": username},
        ],
    }
    if password or runtime.settings.local:
        request["MessageAction"] = "SUPPRESS"
    try:
        created = await cognito.admin_create_user(**request)
    except ClientError as error:
        if client_error_code(error) == "UsernameExistsException":
            raise Conflict("a user with this email already exists", field="email") from None
        raise
    sub = next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub")
    if password:
        await cognito.admin_set_user_password(
            UserPoolId=pool, Username=email, Password=password, Permanent=True
        )
    if role in ROLE_GROUPS:
        await cognito.admin_add_user_to_group(
            UserPoolId=pool, Username=email, GroupName=ROLE_GROUPS[role]
        )
    return str(sub)


async def delete_identity(*, runtime: Runtime, email: str) -> None:
    pool = runtime.settings.cognito_user_pool_id
    if pool:
        try:
            await runtime.aws.cognito.admin_delete_user(UserPoolId=pool, Username=email)
        except ClientError as error:
            log.error("could not remove Cognito user %s after a failed create: %s", email, error)


async def sync_groups(*, runtime: Runtime, user: User, role: Role) -> None:
    # Best effort after the database commit: the token's groups are the source of roles.
    pool = runtime.settings.cognito_user_pool_id
    if not pool:
        return
    cognito = runtime.aws.cognito
    try:
        for group_role, group in ROLE_GROUPS.items():
            call = (
                cognito.admin_add_user_to_group
                if group_role == role
                else cognito.admin_remove_user_from_group
            )
            await call(UserPoolId=pool, Username=user.email, GroupName=group)
    except ClientError as error:
        log.error("Cognito groups of %s not updated to %s: %s", user.user_id, role, error)
