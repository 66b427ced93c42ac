"""The reference JS client (`graphql-ws`, with Node's fetch for HTTP) against the service."""

from __future__ import annotations

import pytest

from e2e.conftest import Service, run_node

pytestmark = pytest.mark.e2e

# Scenarios of e2e/clients.mjs.
SCENARIOS = ["submission-submitted", "media-ready"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_node_graphql_ws_scenario(service: Service, scenario: str) -> None:
    # when the Node client runs the scenario against the running service
    output = run_node("clients.mjs", scenario, service=service, timeout=90)
    # then it reports success
    assert f"PASS {scenario}" in output
