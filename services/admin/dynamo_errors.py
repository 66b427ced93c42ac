"""How the admin API reports DynamoDB's errors: refusals an admin can act on, outages as
SERVICE_UNAVAILABLE.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from services.admin.aliases import AdminTable
from services.platform.errors import BadInput, Unavailable
from services.store.dynamo import client_error_code

log = logging.getLogger("prework.admin")

_UNAVAILABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "InternalServerError",
}


@contextmanager
def dynamo_errors(target: AdminTable) -> Iterator[None]:
    """DynamoDB's refusals as errors an admin can act on; outages as SERVICE_UNAVAILABLE."""
    try:
        yield
    except ClientError as error:
        code = client_error_code(error)
        if code == "ValidationException":
            raise BadInput(_message(error)) from None
        if code == "ResourceNotFoundException":
            raise BadInput(
                f"table alias '{target.alias}' points to '{target.table}', which does not exist"
            ) from None
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in _UNAVAILABLE or int(status) >= 500:
            raise Unavailable("DynamoDB is busy; try again shortly") from None
        raise
    except BotoCoreError as error:
        log.warning("DynamoDB call for %s failed: %s", target.alias, error)
        raise Unavailable("DynamoDB did not answer; try again shortly") from None


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message") or "DynamoDB refused the request")
