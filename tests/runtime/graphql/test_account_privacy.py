"""``account`` never shows what ``minimomen.credential`` holds, whoever asks and however."""

from __future__ import annotations

import json

from tests.runtime.graphql.conftest import Shop

FORBIDDEN_NAMES = ("password", "hash", "credential", "failed_attempts", "last_failed")


def test_account_never_leaks_credentials(shop: Shop) -> None:
    shop.reset()
    shop.token_for("user:carol")  # registers carol: a credential row with a password hash
    [(account_id, password_hash)] = shop.sql("SELECT account_id, password_hash FROM minimomen.credential")
    assert password_hash and account_id == 3
    answers = {
        "by_pk admin": shop.post("query ($id: bigint!) { account_by_pk(id: $id) { id username created_at updated_at orders { id } } }",
                                 {"id": account_id}),
        "list admin": shop.post("{ account { id username } account_aggregate { nodes { id username } aggregate { count max { username } } } }"),
        "by_pk user": shop.post("{ account_by_pk(id: 3) { id username } account { id username } }", role="user:carol"),
        "introspection admin": shop.post('{ __schema { types { name fields { name } inputFields { name } enumValues { name } } } }'),
        "introspection user": shop.post('{ __schema { types { name fields { name } inputFields { name } enumValues { name } } } }',
                                        role="user:carol"),
    }
    for name, response in answers.items():
        assert response.status_code == 200 and "errors" not in response.json(), (name, response.text[:300])
        text = response.text
        assert password_hash not in text, name
        if name.startswith("introspection"):
            types = response.json()["data"]["__schema"]["types"]
            for type_ in types:  # the one field allowed to say "password": changing one's own (it returns no credential)
                type_["fields"] = [f for f in type_["fields"] or [] if (type_["name"], f["name"]) != ("mutation_root", "changePassword")]
            names = json.dumps(types).lower()
            assert not [w for w in FORBIDDEN_NAMES if w in names], name
    assert answers["by_pk admin"].json()["data"]["account_by_pk"]["username"] == "carol"
    assert answers["by_pk user"].json()["data"] == {"account_by_pk": {"id": 3, "username": "carol"}, "account": [{"id": 3, "username": "carol"}]}
    for query in ("{ account(where: {password_hash: {_is_null: false}}) { id } }", "{ account_by_pk(id: 3) { password_hash } }"):
        refused = shop.post(query).json()
        assert refused["errors"][0]["extensions"]["classification"] == "GRAPHQL_VALIDATION_FAILED", refused
