"""The "GraphiQL" page: a small self-contained query console (no CDN can be reached here)."""

from __future__ import annotations

import html
import json

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1f2330; }}
  header {{ padding: 10px 16px; background: #1f2330; color: #fff; display: flex; gap: 12px; align-items: center; }}
  header h1 {{ font-size: 16px; margin: 0; }}
  header code {{ color: #b9c0ff; }}
  main {{ display: grid; grid-template-columns: 1fr 1fr; gap: 12px; padding: 12px; height: calc(100vh - 70px); box-sizing: border-box; }}
  section {{ display: flex; flex-direction: column; gap: 6px; min-height: 0; }}
  label {{ font-size: 12px; font-weight: 600; text-transform: uppercase; color: #5b6275; }}
  textarea, input, pre {{ font-family: ui-monospace, monospace; font-size: 13px; border: 1px solid #cfd3dc; border-radius: 6px; padding: 8px; background: #fff; }}
  textarea#query {{ flex: 3; resize: none; }}
  textarea#variables {{ flex: 1; resize: none; }}
  pre#result {{ flex: 1; margin: 0; overflow: auto; white-space: pre-wrap; }}
  button {{ background: #4f46e5; color: #fff; border: 0; border-radius: 6px; padding: 8px 18px; font-size: 14px; cursor: pointer; }}
  .row {{ display: flex; gap: 8px; align-items: center; }}
  .row input {{ flex: 1; }}
  #status {{ font-size: 12px; color: #5b6275; }}
</style>
</head>
<body>
<header><h1>GraphiQL</h1><code id="endpoint">{endpoint}</code></header>
<main>
  <section>
    <label for="query">Query</label>
    <textarea id="query" spellcheck="false">{{
  __schema {{ queryType {{ name }} }}
}}</textarea>
    <label for="variables">Variables (JSON)</label>
    <textarea id="variables" spellcheck="false">{{}}</textarea>
    <label for="token">Token (admin token or JWT; empty = anonymous)</label>
    <div class="row"><input id="token" type="password" autocomplete="off"><button id="run" type="button">Run</button></div>
  </section>
  <section>
    <label for="result">Result <span id="status"></span></label>
    <pre id="result" aria-live="polite"></pre>
  </section>
</main>
<script>
(function () {{
  var endpoint = {endpoint_json};
  var $ = function (id) {{ return document.getElementById(id); }};
  try {{ $("token").value = sessionStorage.getItem("graphiql-token") || ""; }} catch (e) {{}}
  async function run() {{
    var variables;
    try {{ variables = JSON.parse($("variables").value || "{{}}"); }}
    catch (e) {{ $("result").textContent = "Variables are not valid JSON: " + e.message; return; }}
    var headers = {{ "Content-Type": "application/json" }};
    var token = $("token").value.trim();
    try {{ sessionStorage.setItem("graphiql-token", token); }} catch (e) {{}}
    if (token) headers["Authorization"] = "Bearer " + token;
    $("status").textContent = "running…";
    var started = performance.now();
    try {{
      var response = await fetch(endpoint, {{ method: "POST", headers: headers, body: JSON.stringify({{ query: $("query").value, variables: variables }}) }});
      var text = await response.text();
      try {{ text = JSON.stringify(JSON.parse(text), null, 2); }} catch (e) {{}}
      $("result").textContent = text;
      $("status").textContent = "HTTP " + response.status + " · " + Math.round(performance.now() - started) + " ms";
    }} catch (e) {{
      $("result").textContent = "Request failed: " + e.message;
      $("status").textContent = "";
    }}
  }}
  $("run").addEventListener("click", run);
  document.addEventListener("keydown", function (e) {{ if ((e.ctrlKey || e.metaKey) && e.key === "Enter") run(); }});
}})();
</script>
</body>
</html>
"""


def graphiql_page(endpoint: str, title: str) -> str:
    return _PAGE.format(title=html.escape(title), endpoint=html.escape(endpoint), endpoint_json=json.dumps(endpoint).replace("<", "\\u003c"))
