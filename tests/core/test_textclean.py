"""Issue 15 item 8: control characters never reach names, titles, filenames or headers."""
import io

from mooc.core.textclean import clean_line, content_disposition, safe_filename


def test_clean_line():
    assert clean_line("nul\x00byte.pdf") == "nulbyte.pdf"
    assert clean_line("张\r\n三\t") == "张 三"
    assert clean_line("invoice\u202Efdp.exe") == "invoicefdp.exe"
    assert clean_line("  \u2066正常\u2069  ") == "正常"
    assert clean_line(None) == ""


def test_content_disposition_is_rfc_5987():
    value = content_disposition("结业证书-党章\n学习.pdf")
    assert "\n" not in value and "\r" not in value
    assert value.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E7%BB%93%E4%B8%9A" in value
    assert safe_filename("a/b\\c") == "a-b-c"
    assert content_disposition('x"y.pdf').count('"') == 2


def test_attachment_named_with_a_nul_downloads(app, client, login_as):
    from mooc.catalog import media
    from mooc.catalog.models import Attachment
    from mooc.extensions import db
    from tests.catalog_factories import make_course
    from werkzeug.datastructures import FileStorage
    teacher = login_as(role="instructor")
    course = make_course(owner=teacher)
    lesson = course.ordered_lessons()[0]
    upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="nul\x00byte\u202e.pdf")
    attachment = media.add_attachment(lesson, teacher, upload)
    db.session.commit()
    assert attachment.filename == "nulbyte.pdf"
    # A name stored before the fix still downloads.
    db.session.get(Attachment, attachment.id).filename = "old\x00name\r\n.pdf"
    db.session.commit()
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    assert "filename*=UTF-8''oldname%20.pdf" in response.headers["Content-Disposition"]


def test_names_and_titles_are_cleaned_on_the_way_in(app, make_user, make_org):
    from mooc.catalog.courses import clean_title
    user = make_user(name="王\n五\u202e")
    assert user.name == "王 五"
    assert clean_title("标题\x00\r\n二") == "标题 二"
    assert make_org(name="第一\n支部").name == "第一 支部"


def test_certificate_download_with_a_newline_in_the_name(app):
    from mooc.certificates.views import download_name

    class Cert:
        course_title = "党章\r\n学习"
        learner_name = "张\n三"
    name = download_name(Cert())
    assert "\n" not in name and "\r" not in name
    assert content_disposition(name)
