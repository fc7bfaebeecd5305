"""The subgraph composes into a supergraph with Apollo's own composition library (Federation v2)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from graph.schema import build_schema

HERE = Path(__file__).parent


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
