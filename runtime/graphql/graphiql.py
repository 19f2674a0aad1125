"""The GraphiQL IDE of a project's endpoint (``GET /p/<slug>/graphql`` from a browser).

The IDE is the ``graphiql`` npm package with its explorer plugin, React and graphql-ws,
vendored by ``scripts/vendor_graphiql.py`` (pinned versions, checked digests) into
``runtime/static/graphiql`` and served from ``/p/_graphiql/<file>``: no CDN is contacted.
Queries and mutations go over HTTP to the page's own endpoint, subscriptions over its
WebSocket (graphql-transport-ws); the token field (the admin token or a user's JWT; empty
is anonymous) is sent as ``Authorization`` on both and kept in the tab's sessionStorage.
Schema docs, autocomplete and history are GraphiQL's own.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.responses import Response

ASSETS = Path(__file__).resolve().parents[1] / "static" / "graphiql"
ASSET_PREFIX = "/p/_graphiql"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Only the vendored browser files (listed with their digests) are served.
SERVED = frozenset(line.split()[1] for line in (ASSETS / "SHA256SUMS").read_text().splitlines() if Path(line.split()[1]).suffix in _TYPES)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{assets}/graphiql.min.css">
<link rel="stylesheet" href="{assets}/plugin-explorer.css">
<style>
  body {{ margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }}
  header {{ display: flex; gap: 12px; align-items: center; padding: 6px 12px; background: #1f2330; color: #fff; font-size: 13px; }}
  header code {{ color: #b9c0ff; }}
  header label {{ margin-left: auto; display: flex; gap: 6px; align-items: center; }}
  header input {{ width: 22em; font-family: ui-monospace, monospace; }}
  #graphiql {{ flex: 1; min-height: 0; }}
</style>
</head>
<body>
<header><strong>GraphiQL</strong> <code id="endpoint">{endpoint}</code>
<label for="token">Token (admin token or JWT; empty = anonymous)</label><input id="token" type="password" autocomplete="off"></header>
<div id="graphiql">Loading…</div>
<script src="{assets}/react.production.min.js"></script>
<script src="{assets}/react-dom.production.min.js"></script>
<script src="{assets}/graphiql.min.js"></script>
<script src="{assets}/plugin-explorer.umd.js"></script>
<script src="{assets}/graphql-ws.min.js"></script>
<script>
(function () {{
  var endpoint = {endpoint_json};
  var url = location.origin + endpoint;
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + endpoint;
  var tokenInput = document.getElementById("token");
  try {{ tokenInput.value = sessionStorage.getItem("graphiql-token") || ""; }} catch (e) {{}}
  function auth() {{
    var token = tokenInput.value.trim();
    return token ? {{ Authorization: "Bearer " + token }} : {{}};
  }}
  var wsClient = null;
  function fetcher() {{
    if (wsClient) wsClient.dispose();
    wsClient = graphqlWs.createClient({{ url: wsUrl, lazy: true, connectionParams: function () {{ return {{ headers: auth() }}; }} }});
    return GraphiQL.createFetcher({{
      url: url,
      wsClient: wsClient,
      fetch: function (target, init) {{
        return fetch(target, Object.assign({{}}, init, {{ headers: Object.assign({{}}, init && init.headers, auth()) }}));
      }},
    }});
  }}
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {{
    root.render(React.createElement(GraphiQL, {{ fetcher: fetcher(), plugins: [explorer], defaultQuery: "{{\\n  __typename\\n}}\\n" }}));
  }}
  tokenInput.addEventListener("change", function () {{
    try {{ sessionStorage.setItem("graphiql-token", tokenInput.value.trim()); }} catch (e) {{}}
    render();  // a new fetcher: the schema is fetched again with the new role
  }});
  render();
}})();
</script>
</body>
</html>
"""


def graphiql_page(endpoint: str, title: str) -> str:
    return _PAGE.format(title=html.escape(title), endpoint=html.escape(endpoint), assets=ASSET_PREFIX,
                        endpoint_json=json.dumps(endpoint).replace("<", "\\u003c"))


def graphiql_asset(name: str) -> Response:
    if name not in SERVED:
        return Response("not found", status_code=404, media_type="text/plain")
    response = Response((ASSETS / name).read_bytes(), media_type=_TYPES[Path(name).suffix])
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
