"""Start-up of the embedded local stack: provision everything, then seed demo people."""

from __future__ import annotations

import json
from pathlib import Path

from services.local import demo, provisioning
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope

STATE_FILE = Path(".prework-local.json")


async def bootstrap_local(settings: Settings) -> Settings:
    """Provision tables, buckets, queue and a Cognito pool; seed demo people.

    Returns the settings completed with the pool and client ids.
    """
    async with Aws(settings) as aws:
        await provisioning.provision(aws=aws, settings=settings)
        pool, _ = await provisioning.ensure_cognito(aws=aws, settings=settings)
    ready = settings.model_copy(
        update={"cognito_user_pool_id": pool.pool_id, "cognito_client_id": pool.client_id}
    )
    async with RuntimeScope(ready) as runtime:
        await demo.seed(runtime=runtime, password=settings.demo_password)
    return ready


def write_state(settings: Settings, path: Path = STATE_FILE) -> None:
    """Where `prework token` finds the running local stack."""
    state = {
        "endpoint": settings.aws_endpoint_url,
        "region": settings.aws_region,
        "poolId": settings.cognito_user_pool_id,
        "clientId": settings.cognito_client_id,
        "password": settings.demo_password,
        "redisUrl": settings.redis_url,
    }
    path.write_text(json.dumps(state, indent=2))


def read_state(path: Path = STATE_FILE) -> dict[str, str] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
