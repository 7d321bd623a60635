"""Cover images are resized on the server and stored content-addressed."""
import io

from PIL import Image
from werkzeug.datastructures import FileStorage

from mooc.catalog import media
from mooc.core import storage
from tests.catalog_factories import make_course


def png(width, height):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (183, 28, 28)).save(out, "PNG")
    return out.getvalue()


def upload(data, name="封面.png"):
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/png")


def stored_size(key):
    with Image.open(storage.path_for(key)) as image:
        return image.size


def test_large_cover_is_resized_and_the_same_picture_stored_once(app):
    course = make_course("封面课程", lessons=0)
    big = png(3000, 2000)
    media.set_cover(course, None, upload(big))
    first = course.cover_key
    width, height = stored_size(first)
    assert width <= 1280 and height <= 720
    media.set_cover(course, None, upload(big, "again.png"))
    assert course.cover_key == first          # content-addressed: one stored file


def test_small_cover_is_kept_as_uploaded(app):
    course = make_course("小封面课程", lessons=0)
    media.set_cover(course, None, upload(png(640, 360)))
    assert stored_size(course.cover_key) == (640, 360)
