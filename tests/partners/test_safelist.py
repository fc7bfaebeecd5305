"""Trusted documents: partners run only their manifest; the global safelist switch; manifest registration."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from graph.edge.apq import sha256_hex
from models.partners.errors import ManifestInvalid
from models.partners.persisted import document_id
from tests.support.builders import make_user
from tests.support.graphql import error_codes
from tests.support.partners import by_id, make_partner, manifest, partner_token, register

ALLOWED = "query PartnerCatalogue { partnerCatalogue }"
OTHER = "query Other { __typename }"


async def partner_setup(edge, **settings):
    app = await edge(test_fields=True, **settings)
    await register(app, "acme", ALLOWED)
    await register(app, "someone-else", OTHER)
    issued = await make_partner(app, "acme")
    token = await partner_token(app, issued)
    return app, issued, {"Authorization": f"Bearer {token}"}


async def test_a_partner_runs_its_documents_by_id_or_apq_hash(edge):
    app, _, auth = await partner_setup(edge)
    by_document_id = await app.post(by_id(ALLOWED), **auth)
    assert by_document_id.json() == {"data": {"partnerCatalogue": "catalogue"}}
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id(ALLOWED)}}}
    assert (await app.post(apq, **auth)).json() == {"data": {"partnerCatalogue": "catalogue"}}
    get = await app.http.get("/graphql", params={"documentId": f"sha256:{document_id(ALLOWED)}"}, headers=auth)
    assert get.json() == {"data": {"partnerCatalogue": "catalogue"}}
    same_text = await app.post({"query": ALLOWED}, **auth)
    assert same_text.json() == {"data": {"partnerCatalogue": "catalogue"}}


async def test_a_partner_cannot_run_other_documents_or_free_form_queries(edge):
    app, _, auth = await partner_setup(edge)
    not_listed = await app.post(by_id(OTHER), **auth)
    assert not_listed.status_code == 404 and error_codes(not_listed.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert "data" not in not_listed.json()
    unknown = await app.post(by_id("query Nowhere { __typename }"), **auth)
    assert unknown.status_code == 404
    free_form = await app.post({"query": "{ partnerCatalogue __typename }"}, **auth)
    assert free_form.status_code == 403 and error_codes(free_form.json()) == ["QUERY_NOT_IN_SAFELIST"]
    apq_register = {
        "query": OTHER,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(OTHER)}},
    }
    assert error_codes((await app.post(apq_register, **auth)).json()) == ["QUERY_NOT_IN_SAFELIST"]


async def test_partner_usage_is_counted_per_client_and_operation(edge):
    app, issued, auth = await partner_setup(edge)
    for _ in range(3):
        assert (await app.post(by_id(ALLOWED), **auth)).status_code == 200
    await app.post({"query": "{ __typename }"}, **auth)  # refused: not counted
    await app.services.usage.flush()
    _, it_token = await make_user(app.services, "it")
    report = await app.post(
        {
            "query": "query($id: ID!) { partnerClientUsage(clientId: $id) { documentId operationName count } }",
            "variables": {"id": issued.id},
        },
        Authorization=f"Bearer {it_token}",
    )
    assert report.json()["data"]["partnerClientUsage"] == [
        {"documentId": f"sha256:{document_id(ALLOWED)}", "operationName": "PartnerCatalogue", "count": 3}
    ]


async def test_the_global_switch_makes_every_caller_safelist_only(edge):
    app = await edge(test_fields=True, safelist_only=True)
    await register(app, "web", OTHER)
    assert (await app.post(by_id(OTHER))).json() == {"data": {"__typename": "Query"}}
    assert (await app.post({"query": OTHER})).json() == {"data": {"__typename": "Query"}}
    free_form = await app.post({"query": "{ __typename }"})
    assert free_form.status_code == 403 and error_codes(free_form.json()) == ["QUERY_NOT_IN_SAFELIST"]
    unknown = await app.post(by_id("{ a: __typename }"))
    assert unknown.status_code == 404 and error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    apq_miss = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex("{ b: __typename }")}}}
    assert (await app.post(apq_miss)).status_code == 404


async def test_document_ids_must_be_sha256(edge):
    app = await edge()
    for bad in ("md5:abc", "sha256:XYZ", f"sha256:{'A' * 64}"):
        response = await app.post({"documentId": bad})
        assert response.status_code == 400 and error_codes(response.json()) == ["BAD_REQUEST"], bad
    both = await app.post({**by_id(OTHER), "query": OTHER})
    assert both.status_code == 400


async def test_registration_refuses_a_manifest_with_any_invalid_document(edge):
    app = await edge(test_fields=True)
    with pytest.raises(ManifestInvalid) as refused:
        await register(app, "acme", ALLOWED, "query Broken { noSuchField }", "query Deep { " + "a { " * 30 + "}" * 31)
    assert any("noSuchField" in problem for problem in refused.value.problems)
    assert len(refused.value.problems) >= 2
    issued = await make_partner(app, "acme")
    auth = {"Authorization": f"Bearer {await partner_token(app, issued)}"}
    assert (await app.post(by_id(ALLOWED), **auth)).status_code == 404  # nothing was stored


async def test_registration_checks_ids_types_and_names(edge):
    app = await edge()
    valid = manifest(OTHER)
    wrong_id = {**valid, "operations": [{**valid["operations"][0], "id": "0" * 64}]}
    wrong_type = {**valid, "operations": [{**valid["operations"][0], "type": "mutation"}]}
    wrong_name = {**valid, "operations": [{**valid["operations"][0], "name": "Another"}]}
    from graph.edge.documents import manifest_validator
    from graph.edge.limits import Limits
    from resolvers.partners.persisted import register_manifest

    validate = manifest_validator(app.app.state.schema, Limits())
    for bad in (wrong_id, wrong_type, wrong_name, {"format": "other"}, {**valid, "operations": []}):
        with pytest.raises(ManifestInvalid):
            async with app.services.db.unit_of_work() as uow:
                await register_manifest(uow, name="x", manifest=bad, validate=validate)


@pytest.mark.slow
def test_the_cli_registers_a_manifest_file(database_url, mongodb_url, tmp_path: Path):
    astro = str(Path(sys.executable).parent / "astro")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASTRO_")}
    env.update(DATABASE_URL=database_url, MONGODB_URL=mongodb_url)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(orjson.dumps(manifest(OTHER)))
    bad.write_bytes(orjson.dumps(manifest("query Bad { nope }")))

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        args = [astro, "persisted", "register", str(path), "--client", "cli-partner"]
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603

    ok = run(good)
    assert ok.returncode == 0, ok.stderr
    assert "registered 1 operations in manifest 'cli-partner'" in ok.stdout
    refused = run(bad)
    assert refused.returncode == 1 and "nope" in refused.stderr


async def test_usage_is_written_on_a_timer_without_a_later_partner_request(edge):
    app, issued, auth = await partner_setup(edge, usage_flush_seconds=0.2)
    assert (await app.post(by_id(ALLOWED), **auth)).status_code == 200
    _, it_token = await make_user(app.services, "it")
    query = {
        "query": "query($id: ID!) { partnerClientUsage(clientId: $id) { count } }",
        "variables": {"id": issued.id},
    }
    deadline = time.monotonic() + 5
    while True:
        usage = (await app.post(query, Authorization=f"Bearer {it_token}")).json()["data"]["partnerClientUsage"]
        if usage == [{"count": 1}] or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert usage == [{"count": 1}]
