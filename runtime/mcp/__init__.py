"""The MCP server: AI assistants read a project and build it through the designer's own code paths.

``minimomen mcp`` serves it over stdio; the running server offers the same at ``/mcp``
(Streamable HTTP, bearer token). Modules: ``grants`` (who may do what),
``backend`` (workspace, runtime callbacks, rate limit, write log), ``edits`` and
``ops_*`` (the named edit operations), ``tools_*`` (one module per tool group),
``resources`` (resources and prompts), ``server`` (assembly, stdio), ``http`` (``/mcp``).
"""
