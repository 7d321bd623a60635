"""Every route × every role: a route reachable by a role it should not be fails here.

EXPECTED lists each endpoint with the roles allowed to use it. A new endpoint that is
not listed fails `test_every_endpoint_is_listed`, so nobody adds a route without
deciding who may use it. URL parameters come from `sample_params`, which builds one
object of each kind; `owner` rows mean "the owner of the sample object".
"""
import pytest

from tests.catalog_factories import access_matrix_params as catalog_params
from tests.conftest import csrf_token, login

ANON, LEARNER, INSTRUCTOR, LEAD, ADMIN = "anon", "learner", "instructor", "branch_lead", "admin"
EVERYONE = {ANON, LEARNER, INSTRUCTOR, LEAD, ADMIN}
SIGNED_IN = {LEARNER, INSTRUCTOR, LEAD, ADMIN}
AUTHORS = {INSTRUCTOR, ADMIN}
LEADS = {LEAD, ADMIN}
ADMINS = {ADMIN}

# endpoint: allowed roles. Requests are GET when the route allows it, else POST with a token.
EXPECTED = {
    "core.index": EVERYONE,
    "core.home": SIGNED_IN,
    "core.healthz": EVERYONE,
    "core.healthz_live": EVERYONE,
    "core.preferences": EVERYONE,
    "core.audit_log": ADMINS,
    "core.job_status": {ADMIN},  # the sample job belongs to someone else: owners only
    "accounts.login": EVERYONE,
    "accounts.logout": EVERYONE,
    "offline.manifest": EVERYONE,          # issue 19: the installable app's shell
    "offline.service_worker": EVERYONE,
    "offline.offline_page": EVERYONE,
    "accounts.change_password": SIGNED_IN,
    "accounts_admin.users": ADMINS,
    "accounts_admin.create": ADMINS,
    "accounts_admin.edit": ADMINS,
    "accounts_admin.deactivate": ADMINS,
    "accounts_admin.activate": ADMINS,
    "accounts_admin.reset_password": ADMINS,
    "accounts_admin.roster_import": ADMINS,
    "accounts_admin.roster_template": ADMINS,
    "accounts_admin.roster_preview": ADMINS,
    "accounts_admin.roster_confirm": ADMINS,
    "org.manage": ADMINS,
    "org.create": ADMINS,
    "org.edit": ADMINS,
    "org.change": ADMINS,
    "org.overview": LEADS,
    "search.search": SIGNED_IN,
    # Courses (the sample course is published, open, owned by another instructor).
    "catalog.index": SIGNED_IN,
    "catalog.course": SIGNED_IN,
    "catalog.enrol": SIGNED_IN,
    "catalog.lesson": SIGNED_IN,
    "catalog.complete": SIGNED_IN,
    "catalog.visit": SIGNED_IN,
    "catalog.attachment": SIGNED_IN,
    "catalog.media": SIGNED_IN,
    "authoring.my_courses": AUTHORS,
    "authoring.create_course": AUTHORS,
    "authoring.course": ADMINS,
    "authoring.edit_course": ADMINS,
    "authoring.publish_course": ADMINS,
    "authoring.unpublish_course": ADMINS,
    "authoring.delete_course": ADMINS,
    "authoring.add_chapter": ADMINS,
    "authoring.rename_chapter": ADMINS,
    "authoring.move_chapter": ADMINS,
    "authoring.delete_chapter": ADMINS,
    "authoring.new_lesson": ADMINS,
    "authoring.edit_lesson": ADMINS,
    "authoring.move_lesson": ADMINS,
    "authoring.publish_lesson": ADMINS,
    "authoring.unpublish_lesson": ADMINS,
    "authoring.delete_lesson": ADMINS,
    "authoring.upload_image": ADMINS,
    "authoring.upload_attachment": ADMINS,
    "authoring.delete_attachment": ADMINS,
    "authoring.import_docx": ADMINS,
    "catalog_admin.stale": ADMINS,
    # Quizzes (the sample quiz's course is published, open, owned by another instructor;
    # the sample attempt and wrong-answer entry belong to another learner).
    "quizzes.start": SIGNED_IN,
    "quizzes.attempt": set(),
    "quizzes.submit": set(),
    "quizzes.result": ADMINS,
    "quizzes.wrong_book": SIGNED_IN,
    "quizzes.practise": set(),
    "quiz_api.state": set(),
    "quiz_api.save": set(),
    "quiz_api.submit": set(),
    "quiz_bank.questions": ADMINS,
    "quiz_bank.create_question": ADMINS,
    "quiz_bank.edit_question": ADMINS,
    "quiz_bank.archive_question": ADMINS,
    "quiz_bank.restore_question": ADMINS,
    "quiz_bank.import_questions": ADMINS,
    "quiz_bank.import_preview": ADMINS,
    "quiz_bank.import_confirm": ADMINS,
    "quiz_bank.export_questions": ADMINS,
    "quiz_bank.template": AUTHORS,
    "quiz_settings.edit": ADMINS,
    # Video (the sample video lesson's course is published, open, owned by another
    # instructor; the sample watch session belongs to another learner; media URLs are
    # requested without a signature, which nobody may do).
    "video.manage": ADMINS,
    "video.status": ADMINS,
    "video.retry": ADMINS,
    "video.upload": ADMINS,
    "video.upload_begin": ADMINS,
    "video.upload_offset": ADMINS,
    "video.upload_chunk": ADMINS,
    "video.upload_finish": ADMINS,
    "video.captions": ADMINS,
    "video.remove_captions": ADMINS,
    "video.media_file": set(),
    "video_api.open_session": SIGNED_IN,
    "video_api.heartbeat": set(),
    "video_api.beacon": set(),
    "video_api.sources": SIGNED_IN,
    # Study hours and certificates (the sample certificate belongs to another learner;
    # verification is public).
    "progress.my_learning": SIGNED_IN,
    "progress.requirements": ADMINS,
    "progress.add_committee_member": ADMINS,
    "progress.remove_committee_member": ADMINS,
    "certificates.verify_form": EVERYONE,
    "certificates.verify": EVERYONE,
    "certificates.download": ADMINS,
    "certificates.render": ADMINS,
    "certificates.admin_list": ADMINS,
    "certificates.admin_detail": ADMINS,
    "certificates.revoke": ADMINS,
    "certificates.reissue": ADMINS,
    # Required courses and dashboards (the sample assignment targets the matrix branch,
    # inside the lead's committee; the sample notification belongs to another member;
    # the sample job — an export download — belongs to someone else).
    "assignments.index": SIGNED_IN,
    "assignments.create": LEADS,
    "assignments.edit": LEADS,
    "assignments.delete": LEADS,
    "assignments.remind": LEADS,
    "assignments.remind_all": LEADS,
    "assignments.inbox": SIGNED_IN,
    "assignments.read": set(),
    "assignments.read_all": SIGNED_IN,
    "dashboard.index": LEADS,
    "dashboard.members": LEADS,
    "dashboard.studied": LEADS,
    "dashboard.member": LEADS,
    "dashboard.export": LEADS,
    "dashboard.export_download": set(),
    "course_stats.courses": AUTHORS,
    "course_stats.course": ADMINS,
    # Scoped member management (issue 16): the sample member and the sample transfer's
    # receiving unit lie inside the lead's committee. 忘记密码 is public.
    "members.index": LEADS,
    "members.export": LEADS,
    "members.create": LEADS,
    "members.edit": LEADS,
    "members.deactivate": LEADS,
    "members.activate": LEADS,
    "members.reset_password": LEADS,
    "members.category": LEADS,
    "member_transfers.start": LEADS,
    "member_transfers.index": LEADS,
    "member_transfers.decide": LEADS,
    "member_roster.roster_import": LEADS,
    "member_roster.roster_template": LEADS,
    "member_roster.roster_preview": LEADS,
    "member_roster.roster_confirm": LEADS,
    "member_audit.index": LEADS,
    "member_audit.export": LEADS,
    "password.forgot": EVERYONE,
    "password.reset": EVERYONE,
}


def sample_params(app, make_user, make_org):
    """One object of each kind, and the URL parameter values that point at them."""
    from mooc.core.models import BackgroundJob
    from mooc.extensions import db
    committee = make_org("矩阵党委", "committee")
    branch = make_org("矩阵支部", "branch", committee)
    other = make_user(username="matrix-target", org=branch)
    job = BackgroundJob(kind="test", owner_id=other.id)
    db.session.add(job)
    db.session.commit()
    params = {"org_id": branch.id, "user_id": other.id, "job_id": job.id, "action": "rename"}
    from mooc.search import services as search
    search.rebuild()  # a running site has its index; /healthz is 503 without one
    for extend in PARAM_HOOKS:
        params.update(extend(app, make_user, make_org, committee=committee, branch=branch))
    return params, committee


# Features add functions here that create their sample objects and return URL params.
PARAM_HOOKS = []


def quiz_params(app, make_user, make_org, **_orgs):
    """A quiz lesson with one question, and another learner's marked attempt and 错题."""
    from mooc.extensions import db
    from mooc.quizzes import attempts, services
    from mooc.quizzes.formats.common import QuestionData
    from mooc.quizzes.models import WrongAnswer
    from tests.catalog_factories import make_course, make_lesson
    owner = make_user(username="matrix-quiz-owner", role="instructor")
    course = make_course(owner=owner)
    lesson = make_lesson(course, kind="quiz")
    quiz = services.configure_quiz(lesson, [QuestionData(kind="truefalse", stem="矩阵判断题",
                                                         answer_true=True)], {})
    learner = make_user(username="matrix-quiz-learner")
    attempt, _ = attempts.start_attempt(learner, quiz)
    attempts.submit_attempt(attempt)
    db.session.commit()
    entry = db.session.query(WrongAnswer).filter_by(user_id=learner.id).one()
    return {"course_id": course.id, "quiz_lesson_id": lesson.id,
            "question_id": quiz.items[0].question_id, "attempt_id": attempt.id,
            "wrong_id": entry.id, "export_format": "gift"}


# First, so a feature whose own hook also returns `course_id` keeps its course (any
# published, open course owned by someone else gives the quiz rows the same answers).
PARAM_HOOKS.insert(0, quiz_params)


def video_params(app, make_user, make_org, **_orgs):
    """A video lesson with a ready asset (no files needed) and another learner's session."""
    from mooc.extensions import db
    from mooc.video.models import VideoAsset, WatchSessionRow
    from tests.catalog_factories import make_course, make_lesson
    owner = make_user(username="matrix-video-owner", role="instructor")
    course = make_course(owner=owner, lessons=0)
    lesson = make_lesson(course, kind="video", actor=owner)
    sha = "ab" * 32
    asset = VideoAsset(lesson_id=lesson.id, status="ready", source_key=f"ab/{sha}.mp4",
                       source_sha256=sha, duration=60.0, has_poster=True,
                       renditions=[{"label": 360, "file": "360.mp4", "width": 640,
                                    "height": 360, "size": 1, "video_kbps": 600}])
    learner = make_user(username="matrix-video-learner")
    db.session.add(asset)
    db.session.add(WatchSessionRow(token="f" * 32, user_id=learner.id, lesson_id=lesson.id,
                                   started_at=0.0, last_beat_at=0.0))
    db.session.commit()
    return {"course_id": course.id, "lesson_id": lesson.id, "asset_id": asset.id,
            "name": "360.mp4", "upload_id": "not-a-ticket", "session_id": "f" * 32}


PARAM_HOOKS.append(video_params)
# Last: the catalog's course, chapter and lesson ids must agree with each other.
PARAM_HOOKS.append(catalog_params)

def certificate_params(app, make_user, make_org, **_orgs):
    """Another learner completed a course, so they have a certificate."""
    from mooc.certificates.models import Certificate
    from mooc.extensions import db
    from mooc.progress.services import record_progress
    from tests.catalog_factories import make_course
    owner = make_user(username="matrix-cert-owner", role="instructor")
    course = make_course("矩阵证书课程", owner=owner)
    learner = make_user(username="matrix-cert-learner")
    record_progress(learner, course.ordered_lessons()[0], 1.0)
    db.session.commit()
    certificate = db.session.scalar(db.select(Certificate).filter_by(user_id=learner.id))
    return {"cert_id": certificate.id, "serial": certificate.serial}


PARAM_HOOKS.append(certificate_params)


def assignment_params(app, make_user, make_org, committee=None, branch=None, **_orgs):
    """A course required for the matrix branch, and a reminder in another member's inbox."""
    from datetime import timedelta
    from mooc.assignments import audience, services
    from mooc.assignments.models import Notification
    from mooc.extensions import db
    from tests.catalog_factories import make_course
    today = audience.today()
    assignment = services.create_assignment(
        None, course=make_course("矩阵必修课程"), org=branch, starts_on=today,
        due_on=today + timedelta(days=3))
    owner = make_user(username="matrix-notified", org=branch)
    notification = Notification(user_id=owner.id, kind="due_soon", title="矩阵通知",
                                link="/courses/1")
    db.session.add(notification)
    db.session.commit()
    return {"assignment_id": assignment.id, "notification_id": notification.id}


PARAM_HOOKS.append(assignment_params)


def member_params(app, make_user, make_org, committee=None, branch=None, **_orgs):
    """A pending transfer from the matrix branch to another branch of the committee."""
    from mooc.extensions import db
    from mooc.members.models import Transfer
    member = make_user(username="matrix-moving", org=branch)
    other = make_org("矩阵第二支部", "branch", committee)
    transfer = Transfer(user_id=member.id, from_org_id=branch.id, to_org_id=other.id)
    db.session.add(transfer)
    db.session.commit()
    return {"transfer_id": transfer.id, "decision": "decline", "token": "not-a-token"}


PARAM_HOOKS.append(member_params)

USERS_FOR_ROLE = {LEARNER: "learner", INSTRUCTOR: "instructor", LEAD: "branch_lead",
                  ADMIN: "admin"}


def _rule_for(app, endpoint):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    assert rules, f"{endpoint} is in EXPECTED but not registered"
    return rules[0]


def _is_denied(role, response):
    if response.status_code in (401, 403, 404):
        return True
    # Flask-Login sends strangers to the login page with ?next=; a plain redirect
    # to /login (the index, logout) is the route working, not a refusal.
    location = response.headers.get("Location", "")
    return role == ANON and response.status_code == 302 and "/login?next=" in location


def test_every_endpoint_is_listed(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    missing = sorted(endpoints - EXPECTED.keys())
    assert not missing, f"decide who may use these routes and add them to EXPECTED: {missing}"


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_is_reachable_only_by_allowed_roles(app, endpoint, make_user, make_org):
    params, committee = sample_params(app, make_user, make_org)
    rule = _rule_for(app, endpoint)
    with app.test_request_context():
        from flask import url_for
        url = url_for(endpoint, **{k: params[k] for k in rule.arguments})
    method = "GET" if "GET" in rule.methods else "POST"
    for role in ["anon", "learner", "instructor", "branch_lead", "admin"]:
        client = app.test_client()
        if role != ANON:
            user = make_user(role=USERS_FOR_ROLE[role],
                             org=committee if role == LEAD else None)
            assert login(client, user.username).status_code == 302
        if method == "GET":
            response = client.get(url)
        else:
            token = csrf_token(client, "/login" if role == ANON else "/home")
            response = client.post(url, data={"csrf_token": token})
        allowed = role in EXPECTED[endpoint]
        denied = _is_denied(role, response)
        assert response.status_code < 500, f"{endpoint} as {role}: {response.status_code}"
        if allowed:
            assert not denied, f"{endpoint} should be open to {role}: got {response.status_code}"
        else:
            assert denied, f"{endpoint} must be closed to {role}: got {response.status_code}"
