"""GraphiQL, served entirely by this app: its JavaScript and CSS come from the npm packages that
`scripts/run` installs into graph/graphiql/node_modules (pinned in graph/graphiql/package.json)."""

from __future__ import annotations

import json
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
    "explorer.js": "@graphiql/plugin-explorer/dist/index.umd.js",
    "explorer.css": "@graphiql/plugin-explorer/dist/style.css",
    "graphql-ws.js": "graphql-ws/umd/graphql-ws.min.js",
}

# The first tab an analyst sees: the public catalogue with filters (anonymous, so it runs as is).
EXAMPLE_QUERY = """# The public catalogue: Moon launches with seats left, cheapest first.
# Build your own by clicking in the Explorer (compass icon, left); run with Ctrl-Enter.
# Signed-in data (bookings, reports): put your access token in the Headers tab below.
query Catalogue {
  launches(filter: {destination: MOON, minSeatsAvailable: 1}, sort: PRICE, first: 10) {
    edges {
      node {
        id
        missionName
        launchAt
        pricePerSeat
        seatsAvailable
        status
        agency { legalName }
        rocket { name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# Headers are JSON, which has no comments: the note is a header of its own, harmless when sent.
EXAMPLE_HEADERS = json.dumps(
    {"X-How-To-Sign-In": 'Get a token with the login mutation, then add "Authorization": "Bearer <accessToken>"'},
    indent=2,
)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>AstroBookings GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/static/graphiql.css">
  <link rel="stylesheet" href="/graphiql/static/explorer.css">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">{fallback}</div>
  <script src="/graphiql/static/react.js"></script>
  <script src="/graphiql/static/react-dom.js"></script>
  <script src="/graphiql/static/graphiql.js"></script>
  <script src="/graphiql/static/explorer.js"></script>
  <script src="/graphiql/static/graphql-ws.js"></script>
  <script>
    const url = window.location.pathname;
    const socketUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + url;
    // Subscriptions go over graphql-ws; the token of the Headers tab travels in connection_init, so one
    // fetcher (and socket) per Authorization value.
    const fetchers = new Map();
    function fetcherFor(authorization) {{
      if (!fetchers.has(authorization)) {{
        const wsClient = graphqlWs.createClient({{
          url: socketUrl, lazy: true, connectionParams: authorization ? {{ authorization }} : {{}}
        }});
        fetchers.set(authorization, GraphiQL.createFetcher({{
          url, wsClient, headers: {{ "X-Requested-With": "GraphiQL" }}
        }}));
      }}
      return fetchers.get(authorization);
    }}
    const fetcher = (params, options) => {{
      const headers = (options && options.headers) || {{}};
      return fetcherFor(headers.Authorization || headers.authorization || "")(params, options);
    }};
    const explorer = GraphiQLPluginExplorer.explorerPlugin();
    const query = {query}, headers = {headers};
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher, plugins: [explorer], visiblePlugin: explorer, defaultEditorToolsVisibility: true,
        defaultQuery: query, defaultHeaders: headers, defaultTabs: [{{ query, headers }}]
      }})
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
    return PAGE.format(fallback=fallback, query=json.dumps(EXAMPLE_QUERY), headers=json.dumps(EXAMPLE_HEADERS))


async def graphiql_asset(request: Request) -> Response:
    """Only the files GraphiQL needs, never the rest of node_modules."""
    name = request.path_params["name"]
    if name not in FILES or not (ASSETS / FILES[name]).is_file():
        return Response("Not found", status_code=404)
    return FileResponse(ASSETS / FILES[name], headers={"Cache-Control": "public, max-age=86400"})
