"""Getting a Cognito token with a password (`prework token`): InitiateAuth USER_PASSWORD_AUTH."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from services.platform.aws import Aws
from services.platform.errors import Unauthenticated


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    expires_in: int


async def password_login(*, aws: Aws, client_id: str, username: str, password: str) -> Tokens:
    """Sign in against the pool's app client; works the same on real Cognito and the local stack."""
    try:
        response = await aws.cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "sign-in failed")
        raise Unauthenticated(str(message)) from None
    result = response.get("AuthenticationResult")
    if not result:
        raise Unauthenticated(f"sign-in needs a challenge: {response.get('ChallengeName')}")
    return Tokens(result["IdToken"], result["AccessToken"], int(result["ExpiresIn"]))
