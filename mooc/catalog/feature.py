"""The catalogue: courses, lessons, the reader, authoring, course packages, media."""
from flask_babel import lazy_gettext as _l

from mooc.catalog import admin_views, authoring_views, cli, demo_courses, home, media, views
from mooc.catalog.permissions import can_view_stale_courses
from mooc.core import fastpath, home as home_page, navigation, storage
from mooc.core.permissions import can_author_courses, everyone
from mooc.core.registry import mark_registered
from mooc.demo import services as demo


def register(app):
    mark_registered(app, "catalog")
    for module in (views, authoring_views, admin_views):
        app.register_blueprint(module.bp)
    app.cli.add_command(cli.courses_group)
    fastpath.register(app, "catalog.visit", views.fast_visit, max_body=0)
    navigation.register(app, _l("课程中心"), "catalog.index", everyone, order=10)
    navigation.register(app, _l("课程制作"), "authoring.my_courses", can_author_courses, order=60)
    navigation.register(app, _l("陈旧课程"), "catalog_admin.stale", can_view_stale_courses,
                        order=88)
    storage.register_reference_check(app, media.STORAGE_OWNER, media.uses_stored_file)
    demo.add_step(app, demo_courses.load_course_packages)
    home_page.register(app, "teaching", "catalog/_home_teach.html", home.teaching_panel,
                       can_author_courses, order=5)
    home_page.register(app, "new_courses", "catalog/_home_new.html", home.new_courses_panel,
                       everyone, order=30)
