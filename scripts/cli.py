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
from models import embedded

app = typer.Typer(help="AstroBookings service command line.", no_args_is_help=True)
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


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s %(message)s")


@app.command()
def migrate() -> None:
    """Apply every pending database migration."""
    from models.migrate import upgrade  # noqa: PLC0415

    with configured_stores() as settings:
        upgrade(settings.database_url or "")
        typer.echo("migrations applied")


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

    from models.migrate import upgrade  # noqa: PLC0415

    # uvicorn re-raises SIGTERM after its graceful shutdown; exit normally instead so the embedded
    # stores are stopped by their context managers and exit hooks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    with configured_stores() as settings:
        if prepare:
            upgrade(settings.database_url or "")
            _seed(settings, if_empty=True)
        typer.echo(f"serving http://{host or settings.host}:{port or settings.port}/graphql")
        uvicorn.run(
            "graph.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or settings.workers,
            log_level="info",
            access_log=False,
        )


@app.command("export-schema")
def export_schema(output: Path = typer.Option(Path("schema.graphql"), help="Where to write the SDL.")) -> None:
    """Write the federated schema's SDL."""
    from graph.schema import build_schema  # noqa: PLC0415

    output.write_text(build_schema().as_str() + "\n")
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    app()
