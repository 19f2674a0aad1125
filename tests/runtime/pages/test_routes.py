"""HTTP behaviour of the page routes against a real server: 404s, static files, headers, CSRF."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer

SLUG = "inventory_deduction"


def test_pages_static_and_not_found(module_server: LiveServer) -> None:
    base = module_server.url
    home = httpx.get(f"{base}/p/{SLUG}/")
    assert home.status_code == 200 and "Limited Sneakers" in home.text
    assert "script-src 'self'" in home.headers["content-security-policy"]
    assert "mm_csrf=" in home.headers.get("set-cookie", "")
    assert httpx.get(f"{base}/p/{SLUG}", follow_redirects=False).headers["location"] == f"/p/{SLUG}/"
    missing = httpx.get(f"{base}/p/{SLUG}/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert httpx.get(f"{base}/p/nope/").status_code == 404
    js = httpx.get(f"{base}/p/_static/minimomen.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{base}/p/_static/..%2Fpages%2Froutes.py").status_code == 404
    assert httpx.get(f"{base}/p/{SLUG}/login").status_code == 200


def test_login_and_logout_need_the_csrf_double_submit(module_server: LiveServer) -> None:
    base = module_server.url
    with httpx.Client(base_url=base) as client:
        client.get(f"/p/{SLUG}/login")
        csrf = client.cookies.get("mm_csrf")
        assert csrf
        body = {"username": "erin_csrf", "password": "a-good-password", "register": True}
        refused = client.post(f"/p/{SLUG}/login", json=body)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "CSRF"
        wrong = client.post(f"/p/{SLUG}/login", json=body, headers={"x-csrf-token": "guess"})
        assert wrong.status_code == 403
        ok = client.post(f"/p/{SLUG}/login", json=body, headers={"x-csrf-token": csrf})
        assert ok.status_code == 200 and ok.json()["account"]["username"] == "erin_csrf"
        cookie = next(c for c in ok.headers.get_list("set-cookie") if c.startswith("mm_session="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and f"Path=/p/{SLUG}" in cookie
        page = client.get(f"/p/{SLUG}/")
        assert "Signed in as erin_csrf" in page.text
        assert client.post(f"/p/{SLUG}/logout").status_code == 403
        out = client.post(f"/p/{SLUG}/logout", headers={"x-csrf-token": csrf})
        assert out.status_code == 200
        assert 'data-mm-branch="signed_in" hidden' in client.get(f"/p/{SLUG}/").text
        assert "mm_session" not in client.cookies


def test_bad_login_requests_get_clear_messages(module_server: LiveServer) -> None:
    with httpx.Client(base_url=module_server.url) as client:
        client.get(f"/p/{SLUG}/login")
        headers = {"x-csrf-token": client.cookies.get("mm_csrf") or ""}
        malformed = client.post(f"/p/{SLUG}/login", content=b"{not json", headers={**headers, "content-type": "application/json"})
        assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "BAD_USER_INPUT"
        blank = client.post(f"/p/{SLUG}/login", json={"username": " ", "password": "x"}, headers=headers)
        assert blank.status_code == 400 and "username" in blank.json()["error"]["message"]
        wrong = client.post(f"/p/{SLUG}/login", json={"username": "nobody_here", "password": "x"}, headers=headers)
        assert wrong.status_code == 401 and "wrong username or password" in wrong.json()["error"]["message"].lower()
        assert "Traceback" not in wrong.text
