"""The S3-compatible store: the same uploads and reads against moto's S3 server, started by
the test on loopback (no network beyond 127.0.0.1)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from runtime.database import DatabaseServer
from tests.conftest import LiveServer, free_port, start_server
from tests.runtime.files.harness import SLUG, files_workspace, png, stored_files, upload

BUCKET = "minimomen-files"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing-secret")
        client.create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        moto.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server: DatabaseServer, s3: str) -> Iterator[LiveServer]:
    env = {**CREDENTIALS, "MINIMOMEN_S3_BUCKET": BUCKET, "MINIMOMEN_S3_ENDPOINT_URL": s3, "MINIMOMEN_S3_PREFIX": "apps/"}
    live = start_server(files_workspace(tmp_path_factory.mktemp("s3")), db_server, extra_env=env)
    yield live
    live.stop()


def test_uploads_and_variants_live_in_the_bucket(server: LiveServer, s3: str) -> None:
    bucket = boto3.client("s3", endpoint_url=s3, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing-secret")
    admin = server.admin_token()
    picture = png(300, 200, (10, 120, 200))
    stored = upload(server.url, server.graphql_url(), admin, "image", "sky.png", "image/png", picture)
    objects = bucket.list_objects_v2(Bucket=BUCKET, Prefix=f"apps/{SLUG}/").get("Contents", [])
    assert len(objects) == 1 and objects[0]["Size"] == len(picture)
    assert bucket.get_object(Bucket=BUCKET, Key=objects[0]["Key"])["Body"].read() == picture

    url = server.graphql_url()
    httpx.post(url, json={"query": "mutation($c: bigint!) { update_product_by_pk(pk_columns: {id: 2}, _set: {cover: $c}) { id } }",
                          "variables": {"c": stored["id"]}}, headers={"Authorization": f"Bearer {admin}"}).raise_for_status()
    cover = httpx.post(url, json={"query": '{ product_by_pk(id: 2) { cover { url small: url(width: 30, height: 30, fit: "contain") } } }'}
                       ).json()["data"]["product_by_pk"]["cover"]
    assert httpx.get(server.url + cover["url"]).content == picture
    small = httpx.get(server.url + cover["small"])
    assert small.status_code == 200 and Image.open(io.BytesIO(small.content)).size == (30, 20)
    assert len(bucket.list_objects_v2(Bucket=BUCKET, Prefix=f"apps/{SLUG}/")["Contents"]) == 2  # the variant is kept in the bucket too
    assert stored_files(server.workspace) == []  # nothing on the local disk
