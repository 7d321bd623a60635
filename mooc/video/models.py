"""Video assets (an uploaded lecture and what we made of it) and watch sessions.

A lesson may have several assets over time: a replacement upload is transcoded
while the previous video keeps playing, and the older asset is removed once the
new one is ready. Learners only ever see the newest *ready* asset.

The source file lives in content-addressed storage (`source_key`); renditions,
poster and HLS live in storage's per-asset derived directory
(`derived/video/<asset id>/`). Captions are WebVTT we wrote ourselves, stored by key.

Watch sessions persist `mooc.video.tracking.WatchSession` (server clock in float
seconds, as the tracking rules use); what a learner has watched is kept in their
`LessonProgress.data` (see mooc.video.watch).
"""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.core.models import utcnow
from mooc.extensions import db
from mooc.video import tracking

QUEUED, PROCESSING, READY, FAILED = "queued", "processing", "ready", "failed"
STATUSES = (QUEUED, PROCESSING, READY, FAILED)
DERIVED_NAMESPACE = "video"
CAPTIONS_NAME = "captions.vtt"   # the name a signed URL uses for an asset's captions
AUDIO_NAME = "audio.m4a"         # the sound alone (processing.transcode_outputs.AUDIO_NAME)


class VideoAsset(db.Model):
    __tablename__ = "video_asset"
    __table_args__ = (Index("ix_video_asset_lesson_status", "lesson_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[float] = mapped_column(default=0.0)           # 0–1 while processing
    error: Mapped[str] = mapped_column(Text, default="")           # why it failed, Chinese
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("background_job.id", ondelete="SET NULL"))
    source_key: Mapped[str] = mapped_column(String(80), index=True)
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_size: Mapped[int] = mapped_column(BigInteger, default=0)  # > 2 GiB fits
    filename: Mapped[str] = mapped_column(String(255), default="")  # uploader's name, display
    validated: Mapped[bool] = mapped_column(default=False)         # full decode pass done
    # Measured on our own output, never client-supplied: completion is judged against it.
    duration: Mapped[float | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    # [{"label": 360, "file": "360.mp4", "width": 640, "height": 360, "size": 12345,
    #   "video_kbps": 600}], smallest first.
    renditions: Mapped[list] = mapped_column(JSON, default=list)
    has_poster: Mapped[bool] = mapped_column(default=False)
    hls: Mapped[bool] = mapped_column(default=False)
    captions_key: Mapped[str | None] = mapped_column(String(80), index=True)
    captions_filename: Mapped[str] = mapped_column(String(255), default="")
    transcode_seconds: Mapped[float | None]                         # for operators
    # audio.m4a (+ hls/audio/) exists: 听党课, listening with the screen off.
    has_audio_only: Mapped[bool] = mapped_column(default=False)
    # Which rendition ladder made the files (rendition_plan.LADDER_VERSION); older
    # videos are re-transcoded in the background while the old files keep playing.
    ladder: Mapped[int] = mapped_column(default=0)
    # None: no upgrade pending; 0–1 while one is queued or running (shown to instructors).
    upgrade_progress: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    lesson = relationship("Lesson")
    created_by = relationship("User")

    @property
    def is_ready(self):
        return self.status == READY

    @property
    def percent(self):
        return int(round((self.progress or 0.0) * 100))

    def rendition(self, label):
        return next((r for r in self.renditions or [] if r.get("label") == label), None)

    def file_names(self):
        """Every name a signed media URL may point at for this asset."""
        names = {r["file"] for r in self.renditions or []}
        if self.has_poster:
            names.add("poster.jpg")
        if self.captions_key:
            names.add(CAPTIONS_NAME)
        if self.has_audio_only:
            names.add(AUDIO_NAME)
        return names

    def __repr__(self):
        return f"<VideoAsset {self.id} lesson={self.lesson_id} {self.status}>"


class WatchSessionRow(db.Model):
    """One device watching one lesson: the stored form of tracking.WatchSession."""
    __tablename__ = "video_watch_session"
    __table_args__ = (Index("ix_video_watch_session_user_active", "user_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)   # tracking's session_id
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"),
                                           index=True)
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_asset.id", ondelete="SET NULL"))
    started_at: Mapped[float]          # server clock (epoch seconds), as tracking uses
    last_beat_at: Mapped[float]
    last_seq: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    credited_seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lesson = relationship("Lesson")

    def to_tracking(self) -> tracking.WatchSession:
        return tracking.WatchSession(
            session_id=self.token, user_id=self.user_id, lesson_id=self.lesson_id,
            started_at=self.started_at, last_beat_at=self.last_beat_at,
            last_seq=self.last_seq, active=self.active,
            credited_seconds=self.credited_seconds)

    def update_from(self, session: tracking.WatchSession):
        self.last_beat_at = session.last_beat_at
        self.last_seq = session.last_seq
        self.active = session.active
        self.credited_seconds = session.credited_seconds
        self.updated_at = utcnow()
