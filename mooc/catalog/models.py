"""Courses, chapters, lessons, their files, and who enrolled.

Slugs are the stable keys a course package uses: re-importing a package updates the
rows with the same slugs in place, so lesson ids — and the learners' progress that
points at them — survive. A course slug is unique site-wide; chapter and lesson slugs
are unique within their course.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.catalog.kinds import kind_for
from mooc.core.models import utcnow
from mooc.extensions import db

# What a course is about (filter in the catalogue). Packages use the keys.
COURSE_CATEGORIES = {
    "theory": _l("理论学习"),
    "history": _l("党史学习"),
    "rules": _l("党规党纪"),
    "policy": _l("政策解读"),
    "practice": _l("业务实践"),
    "other": _l("其他"),
}
REQUIRED, ELECTIVE = "required", "elective"
COURSE_TYPES = {REQUIRED: _l("必修"), ELECTIVE: _l("选修")}
DRAFT, PUBLISHED = "draft", "published"
COURSE_STATUSES = {DRAFT: _l("草稿"), PUBLISHED: _l("已发布")}
OPEN, RESTRICTED = "open", "restricted"
VISIBILITIES = {OPEN: _l("面向全体用户"), RESTRICTED: _l("仅限指定组织或政治面貌")}

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$"

course_org = Table(
    "course_org", db.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

course_owner = Table(
    "course_owner", db.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CourseAudienceCategory(db.Model):
    """One member category (政治面貌) a restricted course is shown to."""
    __tablename__ = "course_category"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (Index("ix_course_status_content", "status", "content_updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    cover_key: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(20), default="other")
    course_type: Mapped[str] = mapped_column(String(20), default=ELECTIVE)
    credit_hours: Mapped[float] = mapped_column(default=1.0)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    visibility: Mapped[str] = mapped_column(String(20), default=OPEN)
    # Video lessons (later): forbid seeking past what has been watched.
    no_skip_ahead: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Bumped by every change to what learners read (not by publishing): stale-course checks.
    content_updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    orgs = relationship("Organisation", secondary=course_org, order_by="Organisation.path")
    owners = relationship("User", secondary=course_owner, order_by="User.name")
    audience = relationship(CourseAudienceCategory, cascade="all, delete-orphan",
                            order_by=CourseAudienceCategory.category)
    chapters = relationship("Chapter", back_populates="course", cascade="all, delete-orphan",
                            order_by="Chapter.position, Chapter.id")
    lessons = relationship("Lesson", back_populates="course", cascade="all, delete-orphan",
                           order_by="Lesson.position, Lesson.id")
    media = relationship("CourseMedia", back_populates="course", cascade="all, delete-orphan")
    updated_by = relationship("User", foreign_keys=[updated_by_id])

    @property
    def is_published(self):
        return self.status == PUBLISHED

    @property
    def audience_categories(self):
        return [a.category for a in self.audience]

    @property
    def category_label(self):
        return COURSE_CATEGORIES.get(self.category, self.category)

    @property
    def type_label(self):
        return COURSE_TYPES.get(self.course_type, self.course_type)

    @property
    def status_label(self):
        return COURSE_STATUSES.get(self.status, self.status)

    def ordered_lessons(self):
        """Lessons in reading order: by chapter, then position within the chapter."""
        chapter_rank = {c.id: i for i, c in enumerate(self.chapters)}
        return sorted(self.lessons, key=lambda l: (chapter_rank.get(l.chapter_id, 10 ** 6),
                                                   l.position, l.id))

    def __repr__(self):
        return f"<Course {self.slug}>"


class Chapter(db.Model):
    __tablename__ = "chapter"
    __table_args__ = (UniqueConstraint("course_id", "slug", name="uq_chapter_course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    course = relationship(Course, back_populates="chapters")
    lessons = relationship("Lesson", back_populates="chapter",
                           order_by="Lesson.position, Lesson.id")


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("course_id", "slug", name="uq_lesson_course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id", ondelete="CASCADE"),
                                            index=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="text")  # a key of kinds.KINDS
    position: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=True)
    required: Mapped[bool] = mapped_column(default=True)
    body: Mapped[str] = mapped_column(Text, default="")           # Markdown as written
    body_html: Mapped[str] = mapped_column(Text, default="")      # sanitised, cached at save
    min_reading_seconds: Mapped[int | None]                       # None: estimated from length
    settings: Mapped[dict] = mapped_column(JSON, default=dict)    # kind-specific
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    course = relationship(Course, back_populates="lessons")
    chapter = relationship(Chapter, back_populates="lessons")
    attachments = relationship("Attachment", back_populates="lesson",
                               cascade="all, delete-orphan",
                               order_by="Attachment.position, Attachment.id")
    updated_by = relationship("User", foreign_keys=[updated_by_id])

    @property
    def kind_class(self):
        return kind_for(self.kind)

    def __repr__(self):
        return f"<Lesson {self.course_id}/{self.slug}>"


class Attachment(db.Model):
    """A downloadable file on a lesson (PDF, Word, PowerPoint)."""
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"),
                                           index=True)
    storage_key: Mapped[str] = mapped_column(String(80), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the uploader's name, display only
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    lesson = relationship(Lesson, back_populates="attachments")


class CourseMedia(db.Model):
    """An image a course may show (cover, pictures in lessons).

    The media URL names the course, so an image is served only to people who may see
    that course — and a lesson can only embed its own course's images.
    """
    __tablename__ = "course_media"
    __table_args__ = (UniqueConstraint("course_id", "storage_key",
                                       name="uq_course_media_course_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    storage_key: Mapped[str] = mapped_column(String(80), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    course = relationship(Course, back_populates="media")


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrollment_user_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "继续学习" returns here.
    last_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson.id", ondelete="SET NULL"))
    last_visited_at: Mapped[datetime | None]

    course = relationship(Course)
