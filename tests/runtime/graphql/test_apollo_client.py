"""Apollo Client (npm ``@apollo/client``, pinned in ``tests/node/apollo``) in Node against the running server.

Its BatchHttpLink sends two queries in one request (a JSON array), a mutation goes the
same way, a subscription over graphql-ws sees the mutation's change, and its error link
reads ``extensions.code`` (Hasura's vocabulary) of a validation error.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.runtime.graphql.conftest import Shop

CLIENT = Path(__file__).parents[2] / "node" / "apollo"


def test_apollo_batch_error_and_subscription(shop: Shop) -> None:
    assert (CLIENT / "node_modules" / "@apollo" / "client").is_dir(), "run scripts/test: it installs tests/node/* with npm ci"
    shop.reset()
    run = subprocess.run(["node", "client.mjs", shop.url, shop.ws_url, shop.token], cwd=CLIENT, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["batched"] == {"products": [{"id": 1, "product_name": "Limited Sneakers"}, {"id": 2, "product_name": "Festival Ticket"}],
                               "stock": 5}
    assert seen["requests"][0] == 2, seen  # the two queries went as one batch
    assert seen["mutation"] == 12
    assert seen["subscription"] == [5, 12]
    assert seen["errorRejected"] and "stok" in seen["errorMessage"]
    assert seen["errorCodes"] == ["validation-failed"]
