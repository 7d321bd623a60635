"""Garbage collection refuses to run unless every feature that stores files has a check."""
import contextvars
import os
import time

import pytest

from mooc.core import storage
from mooc.core.registry import contributions

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _old(*stored):
    old = time.time() - 3 * 24 * 3600
    for item in stored:
        os.utime(storage.path_for(item.key), (old, old))


def _media_files(app):
    root = app.config["MEDIA_ROOT"]
    return sorted(p.relative_to(root) for p in root.glob("*/*") if p.is_file())


def test_the_app_registers_a_check_for_every_feature_that_stores_files(app):
    assert {"catalog", "video", "certificates"} <= set(contributions(app).reference_checks)


def test_a_missing_check_refuses_and_deletes_nothing(app):
    image = storage.store_bytes(PNG, owner="catalog", max_bytes=1024,
                                allowed_exts=storage.IMAGE_EXTS)
    captions = storage.store_bytes(JPEG, owner="video", max_bytes=1024,
                                   allowed_exts=storage.IMAGE_EXTS)
    _old(image, captions)
    before = _media_files(app)
    del contributions(app).reference_checks["video"]
    with pytest.raises(storage.GarbageCollectionRefused, match="video"):
        storage.collect_garbage()
    with pytest.raises(storage.GarbageCollectionRefused):
        storage.delete_if_unreferenced(image.key)
    assert _media_files(app) == before


def test_with_every_check_present_unreferenced_old_files_go(app):
    image = storage.store_bytes(PNG, owner="catalog", max_bytes=1024,
                                allowed_exts=storage.IMAGE_EXTS)
    _old(image)
    assert storage.recorded_owners() == {"catalog"}
    assert storage.collect_garbage() == [image.key]
    assert not storage.exists(image.key)


def test_a_derived_namespace_needs_its_owners_check(app):
    storage.derived_dir("video", 1).mkdir(parents=True)
    del contributions(app).reference_checks["video"]
    with pytest.raises(storage.GarbageCollectionRefused, match="video"):
        storage.collect_garbage()


def test_files_from_before_owners_were_recorded_need_the_legacy_owners(app):
    image = storage.store_bytes(PNG, owner="catalog", max_bytes=1024,
                                allowed_exts=storage.IMAGE_EXTS)
    _old(image)
    (app.config["MEDIA_ROOT"] / ".owners").unlink()
    del contributions(app).reference_checks["certificates"]
    with pytest.raises(storage.GarbageCollectionRefused, match="certificates"):
        storage.collect_garbage()
    assert storage.exists(image.key)


def test_without_an_app_context_it_refuses(app):
    storage.store_bytes(PNG, owner="catalog", max_bytes=1024, allowed_exts=storage.IMAGE_EXTS)
    # A fresh contextvars context has no Flask app pushed, whatever the fixture pushed.
    with pytest.raises(storage.GarbageCollectionRefused, match="应用上下文"):
        contextvars.Context().run(storage.collect_garbage)


def test_the_cli_prints_the_refusal_and_exits_non_zero(app):
    image = storage.store_bytes(PNG, owner="catalog", max_bytes=1024,
                                allowed_exts=storage.IMAGE_EXTS)
    _old(image)
    del contributions(app).reference_checks["catalog"]
    result = app.test_cli_runner().invoke(args=["courses", "gc-media"])
    assert result.exit_code != 0
    assert "拒绝清理文件" in result.output and "catalog" in result.output
    assert storage.exists(image.key)
