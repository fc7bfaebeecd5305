"""The subgraph composes into a supergraph with Apollo's own composition library (Federation v2)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from graph.schema import build_schema

HERE = Path(__file__).parent
URL = "http://127.0.0.1:8001/graphql"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed for Apollo composition")
def test_subgraph_composes_with_apollo_composition():
    sdl = build_schema().execute_sync("{ _service { sdl } }").data["_service"]["sdl"]
    assert "@link" in sdl and "federation/v2" in sdl
    result = subprocess.run(  # noqa: S603
        [shutil.which("node") or "node", str(HERE / "compose.mjs")],
        input=sdl,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    composed = json.loads(result.stdout)
    assert composed["errors"] == []
    assert composed["supergraph"] is True


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed for the gateway's composition")
def test_schema_graphql_composes_with_the_gateways_composition_offline() -> None:
    """What scripts/gateway runs before starting Hive Gateway: The Guild's composition of schema.graphql."""
    root = HERE.parent.parent
    result = subprocess.run(  # noqa: S603
        [shutil.which("node") or "node", str(root / "scripts" / "gateway.d" / "compose.mjs"), "schema.graphql", URL],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f'join__graph(name: "astrobookings", url: "{URL}")' in result.stdout
    assert "type Subscription" in result.stdout
