"""Upload to READY as a person feels it: a 12 MP JPEG, presigned POST accepted by S3 → READY
event on the `mediaStatusChanged` subscription, on the embedded stack exactly as `make run`
starts it (`prework serve`: moto, the S3 → SQS notification and the worker in one process).

    .venv/bin/python bench/upload_latency.py [--uploads 20]

Where the time goes, from timestamps on one clock (one machine):
- queue + poll: S3 accepted the POST (the client's clock when S3 answers) → the PROCESSING
  event's `updatedAt` (the worker stamped its claim: S3 event → SQS → long poll → claim);
- read + renditions: PROCESSING `updatedAt` → READY `updatedAt` (stamped before the write:
  the original read from S3, decode, every rendition and placeholder, their S3 PUTs);
- write + publish: READY `updatedAt` → the READY event received by the subscriber (the
  DynamoDB write, the broker, the WebSocket).
Writes bench/results/upload.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import websockets
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BIN,
    ROOT,
    free_port,
    percentile,
    reproduce,
    stop,
    verdict,
    wait_http,
    write,
)

TARGET_P50_MS = 500.0
COMMAND = ".venv/bin/python bench/upload_latency.py"
WIDTH, HEIGHT = 4000, 3000  # 12 MP, a phone camera's
REQUEST_UPLOAD = """mutation Request($input: RequestUploadInput!) {
  requestUpload(input: $input) { media { id } url fields }
}"""
STATUS = """subscription Status($id: ID!) {
  mediaStatusChanged(mediaId: $id) { id status updatedAt failureReason }
}"""


def photo() -> bytes:
    """A 12 MP JPEG with photo-like detail (gradients and noise, not a flat colour that
    decodes and encodes unrealistically fast)."""
    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    noise = Image.effect_noise((WIDTH, HEIGHT), 64)
    image = Image.merge(
        "RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def one_upload(base: str, token: str, body: bytes) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60) as http:
        ticket = (
            await http.post(
                f"{base}/graphql",
                headers=headers,
                json={
                    "query": REQUEST_UPLOAD,
                    "variables": {
                        "input": {
                            "filename": "photo.jpg",
                            "contentType": "image/jpeg",
                            "size": len(body),
                        }
                    },
                },
            )
        ).json()["data"]["requestUpload"]
        media_id = ticket["media"]["id"]
        url = base.replace("http", "ws") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init", "payload": headers}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": STATUS, "variables": {"id": media_id}},
                    }
                )
            )
            await asyncio.sleep(0.05)  # the subscription is registered before the upload
            files = {"file": ("photo.jpg", body, "image/jpeg")}
            started = time.time()
            answer = await http.post(ticket["url"], data=ticket["fields"], files=files)
            accepted = time.time()
            if answer.status_code >= 300:
                raise RuntimeError(f"S3 refused the POST: {answer.status_code} {answer.text[:200]}")
            seen: dict[str, float] = {}
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 30))
                if message["type"] != "next":
                    raise RuntimeError(f"subscription ended: {message}")
                event = message["payload"]["data"]["mediaStatusChanged"]
                seen[event["status"]] = stamp(event["updatedAt"])
                if event["status"] == "FAILED":
                    raise RuntimeError(f"upload FAILED: {event['failureReason']}")
                if event["status"] == "READY":
                    received = time.time()
                    break
    processing = seen.get("PROCESSING", seen["READY"])
    return {
        "post": accepted - started,
        "total": received - accepted,
        "queue": processing - accepted,
        "renditions": seen["READY"] - processing,
        "publish": received - seen["READY"],
    }


def token_for(workdir: Path, email: str) -> str:
    out = subprocess.run(
        [str(BIN / "prework"), "token", email],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    args = parser.parse_args()
    began = time.perf_counter()
    body = photo()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        port = free_port()
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "USE_LOCAL"))
        }
        env.update({"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"})
        process = subprocess.Popen(
            [str(BIN / "prework"), "serve", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{base}/healthz", process=process, timeout=120)
            token = token_for(workdir, "user@example.com")
            asyncio.run(one_upload(base, token, body))  # warm-up: imports, connections
            runs = [asyncio.run(one_upload(base, token, body)) for _ in range(args.uploads)]
        finally:
            stop(process)

    def ms(key: str, p: float) -> float:
        return percentile([r[key] * 1000 for r in runs], p)

    p50 = ms("total", 50)
    lines = [
        "## Upload to READY (12 MP JPEG, embedded stack)",
        "",
        f"{args.uploads} uploads one after another of a {WIDTH}x{HEIGHT} JPEG "
        f"({len(body) / 2**20:.1f} MiB) by `user@example.com` to `prework serve` on the "
        "embedded stack (moto, the S3 → SQS notification and the in-process worker, as "
        "`make run` starts it). Time from S3 accepting the presigned POST to the READY event "
        "arriving on the subscriber's WebSocket.",
        "",
        "| stage | p50 ms | p99 ms |",
        "|---|---:|---:|",
        *(
            f"| {label} | {ms(key, 50):.0f} | {ms(key, 99):.0f} |"
            for label, key in (
                ("queue + poll (S3 event → SQS → worker claim)", "queue"),
                ("read + renditions + placeholder", "renditions"),
                ("write + publish + delivery", "publish"),
            )
        ),
        f"| **upload → READY** | **{p50:.0f}** | **{ms('total', 99):.0f}** |",
        f"| (the POST itself, for scale) | {ms('post', 50):.0f} | {ms('post', 99):.0f} |",
        "",
        f"- upload to READY p50: **{p50:.0f} ms** (p99 {ms('total', 99):.0f} ms), target < "
        f"{TARGET_P50_MS:.0f} ms: {verdict(p50, TARGET_P50_MS, at_least=False)}.",
        "",
        reproduce(COMMAND, began),
    ]
    write("upload", lines)


if __name__ == "__main__":
    main()
