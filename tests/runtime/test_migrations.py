"""Publishing definitions on the real PostgreSQL: tables, renames, refusals, no-ops, concurrency."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from builder.definition import Definition
from runtime.database import DatabaseServer
from runtime.migrations import MigrationRefused, publish_definition
from tests.conftest import SAMPLES, unique_prefix

SLUG = "inventory_deduction"


def sample_data() -> dict[str, Any]:
    return json.loads((SAMPLES / SLUG / "app.json").read_text())


def table(data: dict[str, Any], table_id: str) -> dict[str, Any]:
    return next(t for t in data["tables"] if t["id"] == table_id)


@pytest.fixture
def server(db_server: DatabaseServer) -> Iterator[DatabaseServer]:
    """The session's server seen with a database-name prefix of its own."""
    view = DatabaseServer(db_server.url, prefix=unique_prefix())
    yield view
    view.drop_database(view.database_name(SLUG))


class Project:
    def __init__(self, server: DatabaseServer, folder: Path):
        self.server, self.folder = server, folder

    def publish(self, data: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
        return publish_definition(self.server, SLUG, Definition.model_validate(data), self.folder, **kwargs)

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.server.conninfo(self.server.database_name(SLUG)), autocommit=True) as conn:
            cur = conn.execute(statement, params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def columns(self, table_name: str) -> dict[str, tuple[str, str, str | None]]:
        rows = self.sql(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            (table_name,),
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def tables(self) -> set[str]:
        return {r[0] for r in self.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}

    def revisions(self) -> list[Path]:
        return sorted((self.folder / "migrations").glob("*.py"))


@pytest.fixture
def project(server: DatabaseServer, tmp_path: Path) -> Project:
    return Project(server, tmp_path / SLUG)


def test_sample_creates_tables_keys_and_seed(project: Project) -> None:
    plan = project.publish(sample_data())
    assert plan.changed and plan.version == 1 and plan.destructive == []
    assert plan.revision and Path(plan.revision).exists()
    assert {"account", "product", "order"} <= project.tables()

    product = project.columns("product")
    assert list(product) == ["id", "product_name", "price", "stock", "created_at", "updated_at"]
    assert product["id"][:2] == ("bigint", "NO")
    assert product["price"][:2] == ("numeric", "NO")
    assert product["stock"] == ("bigint", "NO", "'0'::bigint")
    assert project.columns("order")["account_id"][:2] == ("bigint", "YES")
    assert project.columns("account")["username"][:2] == ("text", "NO")
    identity = project.sql("SELECT is_identity FROM information_schema.columns WHERE table_name = 'order' AND column_name = 'id'")
    assert identity == [("YES",)]

    constraints = set(project.sql(
        "SELECT conrelid::regclass::text, conname, contype::text, confdeltype::text FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f')"
    ))
    assert {
        ("account", "account_pkey", "p", " "),
        ("product", "product_pkey", "p", " "),
        ('"order"', "order_pkey", "p", " "),
        ("account", "account_username_key", "u", " "),
        ('"order"', "order_account_id_fkey", "f", "n"),  # on delete set null
        ('"order"', "order_product_id_fkey", "f", "r"),  # on delete restrict
    } <= constraints
    targets = project.sql(
        "SELECT conname, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
    )
    assert dict(targets) == {"order_account_id_fkey": "account", "order_product_id_fkey": "product"}

    assert project.sql('SELECT product_name, price::text, stock FROM product ORDER BY id')[0] == ("Limited Sneakers", "129.00", 2)
    assert project.sql("SELECT count(*) FROM product") == [(3,)]
    triggers = {r[0] for r in project.sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.\"order\"'::regclass AND NOT tgisinternal")}
    assert "minimomen_touch_unset" in triggers and "minimomen_touch" not in triggers and any(t.startswith("minimomen_notify") for t in triggers)
    system = {r[0] for r in project.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'minimomen'")}
    assert {"applied_definition", "secret", "credential", "idempotency_key", "task", "run_log"} <= system


def test_republishing_is_a_no_op(project: Project) -> None:
    first = project.publish(sample_data())
    again = project.publish(sample_data())
    assert not again.changed and again.version == first.version and again.revision is None
    assert len(project.revisions()) == 1
    assert project.sql("SELECT count(*) FROM product") == [(3,)]  # seed not repeated
    assert project.sql("SELECT count(*) FROM minimomen.applied_definition") == [(1,)]


def test_non_schema_change_bumps_version_without_revision(project: Project) -> None:
    project.publish(sample_data())
    data = sample_data()
    data["description"] = "changed words only"
    plan = project.publish(data)
    assert plan.changed and plan.version == 2 and plan.revision is None
    assert len(project.revisions()) == 1


def test_add_rename_and_drop_fields_and_tables(project: Project) -> None:
    data = sample_data()
    project.publish(data)
    project.sql("INSERT INTO \"order\" (quantity, product_id) VALUES (5, 1)")

    table(data, "tbl_product")["fields"].append({"id": "fld_sku", "name": "sku", "type": "text", "unique": True})
    data["tables"].append({"id": "tbl_review", "name": "review", "fields": [{"id": "fld_stars", "name": "stars", "type": "bigint"}]})
    plan = project.publish(data)
    assert plan.version == 2 and len(project.revisions()) == 2
    assert "sku" in project.columns("product") and "review" in project.tables()
    assert ("product_sku_key",) in project.sql("SELECT conname FROM pg_constraint WHERE contype = 'u'")

    # renames keep the data: the field and the table are recognised by id
    table(data, "tbl_product")["fields"][2]["name"] = "units_left"
    table(data, "tbl_product")["name"] = "item"
    plan = project.publish(data)
    assert any("rename table `product` to `item`" in s for s in plan.steps)
    assert "product" not in project.tables()
    assert project.sql("SELECT product_name, units_left FROM item ORDER BY id") == [
        ("Limited Sneakers", 2), ("Festival Ticket", 100), ("Vinyl Record", 25)
    ]
    names = {r[0] for r in project.sql("SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace")}
    assert {"item_pkey", "item_sku_key", "order_product_id_fkey"} <= names and "product_pkey" not in names
    assert project.sql('SELECT quantity, product_id FROM "order"') == [(5, 1)]

    # dropping an empty field and an empty table is allowed
    table(data, "tbl_product")["fields"] = [f for f in table(data, "tbl_product")["fields"] if f["id"] != "fld_sku"]
    data["tables"] = [t for t in data["tables"] if t["id"] != "tbl_review"]
    plan = project.publish(data)
    assert plan.destructive == []
    assert "sku" not in project.columns("item") and "review" not in project.tables()
    revision = Path(plan.revision or "").read_text()
    assert "op.drop_column('item', 'sku')" in revision and "op.drop_table('review')" in revision
    assert f"down_revision = '{project.revisions()[-2].stem}'" in revision


def test_swapping_two_field_names_keeps_each_columns_data(project: Project) -> None:
    data = sample_data()
    project.publish(data)
    fields = table(data, "tbl_product")["fields"]
    fields[0]["name"] = "stock_note"
    project.publish(data)
    fields[0]["name"], fields[2]["name"] = "stock", "stock_note"  # product_name column -> "stock", stock -> "stock_note"
    project.publish(data)
    assert project.sql("SELECT stock, stock_note FROM product WHERE id = 1") == [("Limited Sneakers", 2)]


def test_dropping_a_field_with_data_is_refused_and_changes_nothing(project: Project) -> None:
    data = sample_data()
    project.publish(data)
    before = project.columns("product")
    table(data, "tbl_product")["fields"] = [f for f in table(data, "tbl_product")["fields"] if f["name"] != "stock"]
    table(data, "tbl_product")["fields"].append({"id": "fld_new", "name": "color", "type": "text"})

    with pytest.raises(MigrationRefused) as refused:
        project.publish(data)
    assert "product.stock" in refused.value.message and "3 values" in refused.value.message
    assert "--allow-data-loss" in refused.value.message
    assert project.columns("product") == before  # nothing applied, not even the added field
    assert project.sql("SELECT sum(stock) FROM product") == [(127,)]
    assert len(project.revisions()) == 1
    assert project.sql("SELECT max(version) FROM minimomen.applied_definition") == [(1,)]

    dry = project.publish(data, dry_run=True)
    assert dry.destructive and "product.stock" in dry.destructive[0] and dry.revision is None
    assert project.columns("product") == before

    plan = project.publish(data, allow_data_loss=True)
    assert plan.version == 2 and "stock" not in project.columns("product") and "color" in project.columns("product")


def test_dropping_a_table_with_rows_is_refused(project: Project) -> None:
    data = sample_data()
    data["tables"].append({"id": "tbl_note", "name": "note", "fields": [{"id": "fld_body", "name": "body", "type": "text"}]})
    project.publish(data)
    project.sql("INSERT INTO note (body) VALUES ('a'), ('b')")
    data["tables"].pop()
    with pytest.raises(MigrationRefused) as refused:
        project.publish(data)
    assert "table `note` holds 2 rows" in refused.value.message
    assert "note" in project.tables()
    project.publish(data, allow_data_loss=True)
    assert "note" not in project.tables()


def test_type_changes_cast_or_are_refused(project: Project) -> None:
    data = sample_data()
    table(data, "tbl_product")["fields"].append({"id": "fld_code", "name": "code", "type": "text", "default": "0"})
    project.publish(data)
    project.sql("UPDATE product SET code = id::text")

    fields = table(data, "tbl_product")["fields"]
    fields[2]["type"] = "decimal"  # stock: bigint -> numeric
    fields[3]["type"] = "bigint"  # code: '1', '2', '3' -> bigint (the old default '0' is re-set as a number)
    project.publish(data)
    assert project.columns("product")["stock"][0] == "numeric"
    assert project.columns("product")["code"][:1] == ("bigint",)
    assert project.sql("SELECT code, stock FROM product ORDER BY id")[0] == (1, 2)

    fields[3]["type"] = "text"
    project.publish(data)
    project.sql("UPDATE product SET code = 'x' || id WHERE id = 2")
    fields[3]["type"] = "bigint"
    with pytest.raises(MigrationRefused) as refused:
        project.publish(data)
    assert "product.code" in refused.value.message and "1 value cannot be converted from text to bigint" in refused.value.message
    assert project.columns("product")["code"][0] == "text"
    project.publish(data, allow_data_loss=True)
    assert project.sql("SELECT id, code FROM product ORDER BY id") == [(1, 1), (2, None), (3, 3)]


def test_required_field_gets_its_default_on_existing_rows(project: Project) -> None:
    data = sample_data()
    table(data, "tbl_product")["fields"].append({"id": "fld_tag", "name": "tag", "type": "text"})
    project.publish(data)
    table(data, "tbl_product")["fields"][-1].update(required=True, default="none")
    table(data, "tbl_product")["fields"].append({"id": "fld_rank", "name": "rank", "type": "bigint", "required": True, "default": 7})
    project.publish(data)
    assert project.sql("SELECT DISTINCT tag, rank FROM product") == [("none", 7)]
    assert project.columns("product")["tag"][1] == "NO"

    table(data, "tbl_product")["fields"].append({"id": "fld_must", "name": "must", "type": "text", "required": True})
    with pytest.raises(MigrationRefused) as refused:
        project.publish(data, allow_data_loss=True)  # not a data loss question: it cannot be done
    assert "product.must" in refused.value.message and "default" in refused.value.message


def test_unique_constraints_and_duplicate_data(project: Project) -> None:
    data = sample_data()
    project.publish(data)
    data["constraints"].append({"id": "uc_name_price", "name": "product_name_price_key", "table": "tbl_product", "fields": ["product_name", "price"]})
    project.publish(data)
    assert project.sql("SELECT contype::text FROM pg_constraint WHERE conname = 'product_name_price_key'") == [("u",)]
    project.sql("UPDATE product SET stock = 1")
    table(data, "tbl_product")["fields"][2]["unique"] = True
    with pytest.raises(MigrationRefused) as refused:
        project.publish(data)
    assert "stock" in refused.value.message
    assert project.sql("SELECT count(*) FROM pg_constraint WHERE conname = 'product_stock_key'") == [(0,)]


def test_updated_at_is_kept_current(project: Project) -> None:
    project.publish(sample_data())
    before = project.sql("SELECT created_at, updated_at FROM product WHERE id = 1")[0]
    time.sleep(0.05)
    project.sql("UPDATE product SET stock = stock - 1 WHERE id = 1")
    created, updated = project.sql("SELECT created_at, updated_at FROM product WHERE id = 1")[0]
    assert created == before[0] and updated > before[1]
    # A statement that sets updated_at itself (as the runtime's UPDATEs do) keeps its value; the
    # trigger fills it in only when a statement left it unchanged, also on a second update
    # of the row in the same transaction.
    set_by_statement = project.sql("UPDATE product SET stock = stock - 1, updated_at = '2001-01-01Z' WHERE id = 1 RETURNING updated_at")[0][0]
    assert set_by_statement.year == 2001
    stamps = _in_one_transaction(project, [
        "UPDATE product SET stock = stock - 1 WHERE id = 1 RETURNING updated_at, now()",
        "UPDATE product SET stock = stock - 1, updated_at = now() WHERE id = 1 RETURNING updated_at, now()",
        "UPDATE product SET stock = stock - 1 WHERE id = 1 RETURNING updated_at, now()",
    ])
    assert all(updated_at == now for updated_at, now in stamps)
    triggers = project.sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.product'::regclass AND tgname LIKE 'minimomen_touch%%'")
    assert triggers == [("minimomen_touch_unset",)]


def _in_one_transaction(project: Project, statements: list[str]) -> list[tuple]:
    with psycopg.connect(project.server.conninfo(project.server.database_name(SLUG))) as conn:
        return [conn.execute(statement).fetchone() for statement in statements]  # type: ignore[misc]


def test_concurrent_publishes_end_in_one_schema(server: DatabaseServer, tmp_path: Path) -> None:
    definition = Definition.model_validate(sample_data())
    results: list[object] = []

    def publish() -> None:
        try:
            results.append(publish_definition(server, SLUG, definition, tmp_path / SLUG))
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            results.append(exc)

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.changed for r in results) == [False, False, False, True]  # type: ignore[attr-defined]
    project = Project(server, tmp_path / SLUG)
    assert len(project.revisions()) == 1
    assert project.sql("SELECT count(*) FROM product") == [(3,)]
    assert project.sql("SELECT count(*) FROM minimomen.applied_definition") == [(1,)]


def test_relations_add_change_and_remove_foreign_keys(project: Project) -> None:
    data = sample_data()
    data["tables"].append({"id": "tbl_review", "name": "review", "fields": [{"id": "fld_stars", "name": "stars", "type": "bigint"}]})
    relation = {
        "id": "rel_product_reviews", "kind": "one_to_one", "from_table": "tbl_product", "to_table": "tbl_review",
        "foreign_key": {"id": "fld_review_product_id", "name": "product_id"}, "from_field": "review", "to_field": "product",
        "on_delete": "restrict",
    }
    data["relations"].append(relation)
    project.publish(data)

    def fks() -> dict[str, str]:
        return dict(project.sql(
            "SELECT conname, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.review'::regclass AND contype = 'f'"
        ))

    assert fks() == {"review_product_id_fkey": "r"}
    assert ("review_product_id_key",) in project.sql("SELECT conname FROM pg_constraint WHERE contype = 'u'")

    relation["on_delete"] = "cascade"
    project.publish(data)
    assert fks() == {"review_product_id_fkey": "c"}
    project.sql("INSERT INTO review (stars, product_id) VALUES (5, 3)")
    project.sql("DELETE FROM product WHERE id = 3")
    assert project.sql("SELECT count(*) FROM review") == [(0,)]

    data["relations"].remove(relation)
    project.publish(data)
    assert fks() == {} and "product_id" not in project.columns("review")
