"""Where a group commit batch gets too big: PostgreSQL's 64 cached subtransaction ids per backend.

Every call of a batch runs in its own subtransaction (a PL/pgSQL block with an
exception handler) and writes, so it takes a subtransaction id. Past 64 of them
in one transaction the backend's cache overflows: while that transaction is open,
every snapshot taken by any session is marked overflowed and visibility checks
of recent rows go through ``pg_subtrans``. This measures, for each batch size, the
hot-row write rate of one batching connection (the shape of ``sqlflow.batch``:
guarded UPDATE + INSERT per call) and the read rate of ``--readers`` sessions
reading the hot row at the same time, on a scratch schema of the database given.

    .venv/bin/python bench/group_commit_knee.py --dsn postgres://postgres@127.0.0.1:55432/postgres
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import psycopg

SETUP = """
DROP SCHEMA IF EXISTS knee CASCADE;
CREATE SCHEMA knee;
CREATE TABLE knee.product (id bigint PRIMARY KEY, stock bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION knee.touch() RETURNS trigger LANGUAGE plpgsql AS $t$ BEGIN NEW.updated_at := now(); RETURN NEW; END $t$;
CREATE TABLE knee."order" (id bigserial PRIMARY KEY, product_id bigint NOT NULL REFERENCES knee.product(id), quantity bigint NOT NULL,
                          created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO knee.product VALUES (1, 1000000000000);
CREATE FUNCTION knee.batch(n integer) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  _id bigint;
BEGIN
  FOR _i IN 1 .. n LOOP
    BEGIN
      UPDATE knee.product SET stock = stock - 1 /*SET_TOUCH*/ WHERE id = 1 AND stock >= 1 RETURNING id INTO _id;
      IF _id IS NOT NULL THEN
        INSERT INTO knee."order" (product_id, quantity) VALUES (1, 1);
      END IF;
      RETURN NEXT 'ok';
    EXCEPTION WHEN OTHERS THEN
      RETURN NEXT SQLSTATE;
    END;
  END LOOP;
END $$;
"""


def measure(dsn: str, size: int, seconds: float, readers: int) -> dict[str, float]:
    stop = threading.Event()
    reads = [0] * readers

    def read(i: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("SELECT stock, (SELECT count(*) FROM knee.\"order\" WHERE id > (SELECT max(id) - 100 FROM knee.\"order\")) FROM knee.product WHERE id = 1").fetchone()
                reads[i] += 1

    threads = [threading.Thread(target=read, args=(i,)) for i in range(readers)]
    for thread in threads:
        thread.start()
    calls = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            conn.execute("SELECT * FROM knee.batch(%s)", (size,)).fetchall()
            calls += size
        elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join()
    return {"batch": size, "calls_per_s": round(calls / elapsed), "reads_per_s": round(sum(reads) / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--sizes", default="1,16,32,48,60,64,72,96,128,256")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="the sizes are measured round by round (interleaved)")
    parser.add_argument("--touch", default="none", choices=["none", "trigger", "statement"],
                        help="updated_at kept by: nothing; a row trigger calling a function on every update (the old way); "
                             "the UPDATE itself, with the trigger guarded by WHEN (the runtime's way now)")
    args = parser.parse_args()
    setup = SETUP
    if args.touch == "trigger":
        setup += "CREATE TRIGGER touch BEFORE UPDATE ON knee.product FOR EACH ROW EXECUTE FUNCTION knee.touch();"
    elif args.touch == "statement":
        setup = setup.replace("/*SET_TOUCH*/", ", updated_at = now()")
        setup += ("CREATE TRIGGER touch BEFORE UPDATE ON knee.product FOR EACH ROW "
                  "WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND NEW.updated_at IS DISTINCT FROM now()) "
                  "EXECUTE FUNCTION knee.touch();")
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute(setup)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, list[dict[str, float]]] = {s: [] for s in sizes}
    for _ in range(args.rounds):
        for size in sizes:
            results[size].append(measure(args.dsn, size, args.seconds, args.readers))
            with psycopg.connect(args.dsn, autocommit=True) as conn:
                conn.execute('TRUNCATE knee."order"')
                conn.execute("VACUUM knee.product")
    for size in sizes:
        runs = results[size]
        print(json.dumps({"touch": args.touch, "batch": size, "calls_per_s": [r["calls_per_s"] for r in runs], "reads_per_s": [r["reads_per_s"] for r in runs]}))
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA knee CASCADE")


if __name__ == "__main__":
    main()
