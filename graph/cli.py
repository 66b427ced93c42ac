"""The `prework` command: serve, worker, init, token, the admin commands (create-user,
deactivate-user, reactivate-user, sign-out), export-schema, check-documents."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from services.platform.settings import Settings

if TYPE_CHECKING:
    from services.runtime.wiring import Runtime


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        # Fail loudly and readably on a bad configuration value.
        print(f"prework: invalid settings:\n{error}", file=sys.stderr)
        raise SystemExit(2) from None


def _logging(settings: Settings) -> None:
    from services.platform.logs import configure_logging

    configure_logging(settings.log_level)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from graph.server.app import create_app
    from graph.server.sockets import WS_PROTOCOL
    from services.local.bootstrap import bootstrap_local, write_state
    from services.local.stack import LocalStack

    settings = _settings()
    if args.port is not None:
        settings = settings.model_copy(update={"port": args.port})
    _logging(settings)
    stack = None
    if settings.local:
        stack = LocalStack()
        stack.start()
        # Pointing at moto makes `local` false; the worker still belongs in this process.
        local = stack.settings_for(settings, run_worker_in_process=settings.worker_in_process)
        settings = asyncio.run(bootstrap_local(local))
        write_state(settings)
    base = f"http://{settings.host}:{settings.port}"
    print(_banner(settings, base, local=stack is not None), flush=True)
    try:
        if settings.workers > 1 and stack is None:
            uvicorn.run(
                "graph.server.app:app_from_env",
                factory=True,
                host=settings.host,
                port=settings.port,
                workers=settings.workers,
                log_level=settings.log_level.lower(),
                # Keep our JSON logging; RequestLog writes the access lines.
                log_config=None,
                access_log=False,
                proxy_headers=True,
                timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
                ws=WS_PROTOCOL,
                ws_per_message_deflate=settings.ws_per_message_deflate,
            )
        else:
            uvicorn.run(
                create_app(settings, local_stack=stack is not None),
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level.lower(),
                # Keep our JSON logging; RequestLog writes the access lines.
                log_config=None,
                access_log=False,
                proxy_headers=True,
                timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
                ws=WS_PROTOCOL,
                ws_per_message_deflate=settings.ws_per_message_deflate,
            )
    finally:
        if stack is not None:
            stack.stop()
    return 0


def _banner(settings: Settings, base: str, *, local: bool) -> str:
    lines = [
        "",
        f"  Pre-Work GraphQL API   {base}/graphql  (GraphiQL in a browser)",
        f"  Health                 {base}/healthz  {base}/readyz",
        f"  Metrics                {base}/metrics  (Prometheus)",
    ]
    if local:
        lines += [
            f"  Local AWS stack        {settings.aws_endpoint_url}  (moto)",
            "  Demo people            admin@example.com, manager@example.com, user@example.com",
            f"  Demo password          {settings.demo_password}",
            "  GraphiQL sign-in       one click on a demo person, above the editor",
            "  Get a token            .venv/bin/prework token user@example.com",
        ]
    return "\n".join(lines) + "\n"


def cmd_token(args: argparse.Namespace) -> int:
    from services.auth.signin import password_login
    from services.local.bootstrap import read_state
    from services.platform.aws import Aws
    from services.platform.errors import ServiceError

    settings = _settings()
    state = read_state() or {}
    endpoint = args.endpoint or settings.aws_endpoint_url or state.get("endpoint")
    client_id = args.client or settings.cognito_client_id or state.get("clientId")
    password = args.password or os.environ.get("PREWORK_PASSWORD") or state.get("password")
    if not client_id:
        print("prework token: no app client: start `make run` or pass --client", file=sys.stderr)
        return 2
    if not password:
        print("prework token: pass --password (or set PREWORK_PASSWORD)", file=sys.stderr)
        return 2
    if (endpoint and "localhost" in endpoint) or (endpoint or "").startswith("http://127."):
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
            os.environ.setdefault(name, value)
    settings = settings.model_copy(update={"aws_endpoint_url": endpoint})

    async def login() -> str:
        async with Aws(settings) as aws:
            tokens = await password_login(
                aws=aws, client_id=client_id, username=args.email, password=password
            )
        return tokens.access_token if args.access else tokens.id_token

    try:
        print(asyncio.run(login()))
    except ServiceError as error:
        print(f"prework token: {error.message}", file=sys.stderr)
        return 1
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from services.local import provisioning
    from services.platform.aws import Aws

    settings = _settings()

    async def run() -> list[provisioning.Step]:
        async with Aws(settings) as aws:
            steps = await provisioning.provision(aws=aws, settings=settings, recount=args.recount)
            if args.cognito:
                pool, more = await provisioning.ensure_cognito(aws=aws, settings=settings)
                steps += more
                print(f"COGNITO_USER_POOL_ID={pool.pool_id}\nCOGNITO_CLIENT_ID={pool.client_id}")
            return steps

    steps = asyncio.run(run())
    for step in steps:
        print(step)
    if not any(step.created for step in steps):
        print("nothing changed: every resource already exists")
    return 0


def _admin_settings() -> Settings:
    """Settings for the admin commands: the environment's, completed from the running local
    stack (`.prework-local.json`, written by `make run`) when they name no AWS endpoint —
    the way `prework token` finds it."""
    from services.local.bootstrap import read_state

    settings = _settings()
    state = read_state() or {}
    if settings.aws_endpoint_url or settings.env == "production" or not state.get("endpoint"):
        return settings
    endpoint = state["endpoint"]
    if "localhost" in endpoint or endpoint.startswith("http://127."):
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
            os.environ.setdefault(name, value)
    update: dict[str, object] = {
        "aws_endpoint_url": endpoint,
        "use_local_stack": False,
        "run_worker_in_process": False,
        "aws_region": state.get("region") or settings.aws_region,
        "cognito_user_pool_id": settings.cognito_user_pool_id or state.get("poolId"),
        "cognito_client_id": settings.cognito_client_id or state.get("clientId"),
        "redis_url": settings.redis_url or state.get("redisUrl"),
    }
    return settings.model_copy(update=update)


def _operator(name: str) -> Any:
    from services.auth.identity import Identity

    return Identity(user_id="cli", username=name, groups=frozenset({"admin"}))


def _admin_command(command: str, run: Callable[[Runtime], Awaitable[str]]) -> int:
    """Run one admin command on a runtime of its own; coded errors become exit code 1."""
    from services.platform.errors import ServiceError
    from services.runtime.wiring import RuntimeScope

    settings = _admin_settings()

    async def main() -> str:
        async with RuntimeScope(settings) as runtime:
            return await run(runtime)

    try:
        print(asyncio.run(main()))
    except ServiceError as error:
        print(f"prework {command}: {error.message}", file=sys.stderr)
        return 1
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from services.auth.identity import Role
    from services.people import create_user

    async def run(runtime: Runtime) -> str:
        user, _ = await create_user(
            runtime=runtime,
            actor=_operator(args.operator),
            email=args.email,
            username=args.username or args.email.split("@", maxsplit=1)[0],
            role=Role(args.role),
            password=args.password,
        )
        return user.user_id

    return _admin_command("create-user", run)


def cmd_user_access(args: argparse.Namespace) -> int:
    """deactivate-user, reactivate-user, sign-out: by email, published to every API process."""
    from services.people import (
        deactivate_user,
        find_by_email,
        get_user,
        reactivate_user,
        sign_out_user,
        viewer_for,
    )
    from services.platform.errors import NotFound

    async def run(runtime: Runtime) -> str:
        operator = _operator(args.operator)
        if args.command == "sign-out":
            user = await sign_out_user(runtime=runtime, actor=operator, email=args.email)
            return f"{user.user_id} signed out"
        found = await find_by_email(runtime=runtime, email=args.email)
        if found is None:
            raise NotFound("no user with this email")

        async def load(user_id: str) -> Any:
            return await get_user(runtime=runtime, user_id=user_id)

        viewer = viewer_for(runtime=runtime, identity=operator, load_user=load)
        change = deactivate_user if args.command == "deactivate-user" else reactivate_user
        user = await change(runtime=runtime, viewer=viewer, user_id=found.user_id)
        return f"{user.user_id} {'active' if user.is_active else 'inactive'}"

    return _admin_command(args.command, run)


def cmd_worker(_: argparse.Namespace) -> int:
    from services.media.worker import run_worker

    settings = _settings()
    _logging(settings)
    asyncio.run(run_worker(settings))
    return 0


def cmd_export_schema(_: argparse.Namespace) -> int:
    from graph.schema import sdl

    sys.stdout.write(sdl())
    return 0


def cmd_check_documents(args: argparse.Namespace) -> int:
    """Every operation of a trusted-documents manifest against the current schema."""
    from graph.schema import build_schema
    from graph.server.persisted import manifest_problems
    from services.persisted import ManifestError, load_manifest
    from services.platform.aws import Aws

    settings = _settings()

    async def load() -> Any:
        if not args.manifest.startswith("s3://"):
            return await load_manifest(source=args.manifest)
        async with Aws(settings) as aws:
            return await load_manifest(source=args.manifest, aws=aws)

    try:
        manifest = asyncio.run(load())
    except ManifestError as error:
        print(f"prework: {error}", file=sys.stderr)
        return 1
    problems = manifest_problems(build_schema(settings)._schema, manifest)
    for problem in problems:
        print(problem)
    print(f"{len(manifest)} operations, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="prework", description="Pre-Work GraphQL API")
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (on the embedded local AWS stack by default)")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    token = sub.add_parser("token", help="print a Cognito ID token for a user (USER_PASSWORD_AUTH)")
    token.add_argument("email")
    token.add_argument("--password")
    token.add_argument("--client", help="app client id (default: settings or the local stack)")
    token.add_argument("--pool", help="user pool id (informational; the client names the pool)")
    token.add_argument("--endpoint", help="Cognito endpoint URL (default: settings or local stack)")
    token.add_argument("--access", action="store_true", help="print the access token instead")
    token.set_defaults(func=cmd_token)
    init = sub.add_parser("init", help="create tables, buckets, queue (idempotent)")
    init.add_argument("--cognito", action="store_true", help="also a user pool, client and groups")
    init.add_argument(
        "--recount",
        action="store_true",
        help="count every list again (after items were written around the API)",
    )
    init.set_defaults(func=cmd_init)
    create = sub.add_parser(
        "create-user", help="create a user (Cognito + users table), e.g. the first admin"
    )
    create.add_argument("email")
    create.add_argument("--role", choices=["USER", "MANAGER", "ADMIN"], default="USER")
    create.add_argument("--username")
    create.add_argument("--password", help="permanent password (else Cognito sends an invite)")
    create.add_argument("--operator", default="prework.cli", help="recorded as createdBy")
    create.set_defaults(func=cmd_create_user)
    for name, what in (
        ("deactivate-user", "deactivate a user: Cognito disabled, their tokens refused at once"),
        ("reactivate-user", "reactivate a user: they may sign in again (old tokens stay refused)"),
        ("sign-out", "sign a user out everywhere: their current tokens are refused at once"),
    ):
        access = sub.add_parser(name, help=what)
        access.add_argument("email")
        access.add_argument("--operator", default="prework.cli", help="recorded as lastUpdatedBy")
        access.set_defaults(func=cmd_user_access)
    worker = sub.add_parser(
        "worker", help="process uploads from the SQS queue until SIGTERM (thumbnails, status)"
    )
    worker.set_defaults(func=cmd_worker)
    export = sub.add_parser("export-schema", help="print the GraphQL SDL")
    export.set_defaults(func=cmd_export_schema)
    check = sub.add_parser(
        "check-documents",
        help="check a trusted-documents manifest (Codegen or Apollo) against the schema",
    )
    check.add_argument("manifest", help="a path or s3://bucket/key")
    check.set_defaults(func=cmd_check_documents)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
