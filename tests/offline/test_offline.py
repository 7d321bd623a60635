"""The installable app's server side: manifest, the root-scope worker, the offline page,
and the per-member cache key every page announces."""
import json

from PIL import Image

from mooc.offline import services
from tests.conftest import login


def test_manifest_has_chinese_name_and_icons(app, client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "党建慕课" and manifest["lang"] == "zh-CN"
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200
        with Image.open(app.static_folder + icon["src"].removeprefix("/static")) as image:
            assert f"{image.size[0]}x{image.size[1]}" == icon["sizes"]


def test_worker_is_served_from_the_root_uncached_with_its_version(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    with app.test_request_context():
        assert f'var VERSION = "{services.version()}";' in body
    assert '"/offline"' in body and "/video/media/" in body      # video is never cached
    app.config["OFFLINE_VERSION"] = "release-2"
    assert 'var VERSION = "release-2";' in client.get("/sw.js").get_data(as_text=True)


def test_offline_page_names_nobody(app, client, make_user):
    user = make_user(name="张三丰")
    login(client, user.username)
    page = client.get("/offline").get_data(as_text=True)
    assert "当前没有网络连接" in page and "张三丰" not in page and "csrf" not in page


def test_pages_announce_a_per_member_cache_key(app, client, make_user):
    page = client.get("/login").get_data(as_text=True)
    assert '<meta name="mooc-user" content="">' in page            # signed out: clear all
    assert 'rel="manifest"' in page and "js/offline.js" in page
    first, second = make_user(), make_user()
    login(client, first.username)
    home = client.get("/home").get_data(as_text=True)
    with app.test_request_context():
        key_first, key_second = services.user_cache_key(first), services.user_cache_key(second)
    assert key_first and key_first != key_second and str(first.id) != key_first
    assert f'<meta name="mooc-user" content="{key_first}">' in home
