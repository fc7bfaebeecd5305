"""GraphiQL, served entirely by this app: its JavaScript and CSS come from the npm packages that
`scripts/run` installs into graph/graphiql/node_modules (pinned in graph/graphiql/package.json)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

ASSETS = Path(__file__).parent / "graphiql" / "node_modules"
FILES = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>AstroBookings GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/static/graphiql.css">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">{fallback}</div>
  <script src="/graphiql/static/react.js"></script>
  <script src="/graphiql/static/react-dom.js"></script>
  <script src="/graphiql/static/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{
      url: window.location.pathname, headers: {{ "X-Requested-With": "GraphiQL" }}
    }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
    );
  </script>
</body>
</html>
"""


def assets_installed() -> bool:
    return all((ASSETS / path).is_file() for path in FILES.values())


@cache
def graphiql_page() -> str:
    fallback = "" if assets_installed() else "GraphiQL assets are not installed: run scripts/run once."
    return PAGE.format(fallback=fallback)


async def graphiql_asset(request: Request) -> Response:
    """Only the four files GraphiQL needs, never the rest of node_modules."""
    name = request.path_params["name"]
    if name not in FILES or not (ASSETS / FILES[name]).is_file():
        return Response("Not found", status_code=404)
    return FileResponse(ASSETS / FILES[name], headers={"Cache-Control": "public, max-age=86400"})
