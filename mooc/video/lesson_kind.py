"""The video lesson kind: the player, the transcript in search, and video in packages.

In a course package a video lesson names its file and, optionally, captions:

    kind = "video"
    video = "media/intro.mp4"
    captions = "media/intro.vtt"

Registered by the video feature's register(app).
"""
import re
from pathlib import Path

from flask_babel import lazy_gettext as _l

from mooc.catalog import kinds
from mooc.catalog.packages.format import PackageError
from mooc.catalog.packages.paths import resolve_media
from mooc.core import storage
from mooc.video import captions as captions_mod
from mooc.video import services
from mooc.video.processing.media_probe import VideoRejected, validate_video
from mooc.video.models import FAILED
from mooc.video.player import player_context

VIDEO_SUFFIXES = (".mp4", ".m4v", ".webm", ".mov")
CAPTION_SUFFIXES = (".vtt", ".srt")
_CAPTION_LINE_PREFIX = re.compile(r"^第 \d+ 行：")


class VideoLessonKind(kinds.LessonKind):
    name = "video"
    menu_order = 20
    label = _l("视频")
    icon = "▶"
    template = "video/lesson.html"
    # For the lesson edit page: `{% include lesson.kind_class.author_template %}`.
    author_template = "video/author_panel.html"
    completion_rule = _l("观看视频达到要求后自动完成")
    package_keys = ("video", "captions")

    @classmethod
    def learner_context(cls, lesson, user):
        return {"video": player_context(lesson, user)}

    @classmethod
    def durations(cls, lessons):
        """The outline's video lengths: one query for all the course's video lessons."""
        return services.durations({lesson.id for lesson in lessons})

    @classmethod
    def search_documents(cls, lesson, base, url):
        # The transcript as ~30 s passages, each its own document, so a hit shows a
        # few sentences and starts the video there (`?t=`, read by player.js).
        docs = super().search_documents(lesson, base, url)
        cues = services.transcript_cues(lesson)
        for number, passage in enumerate(captions_mod.passages(cues)):
            docs.append({**base, "doc_id": f"lesson:{lesson.id}#t{number}",
                         "kind": "transcript", "title": lesson.title, "body": passage["text"],
                         "start_seconds": float(int(passage["start"])),
                         "url": f"{url}?t={int(passage['start'])}"})
        return docs

    # ------------------------------------------------------------ course packages

    @classmethod
    def read_package_fields(cls, spec, front, check):
        if "video" not in front:
            check.fail(("kind",), "视频课时必须用 video 指定视频文件，例如 video = \"media/intro.mp4\"")
        else:
            spec.video = check.package_file(front, "video", VIDEO_SUFFIXES, "视频文件")
        if "captions" in front:
            spec.captions = check.package_file(front, "captions", CAPTION_SUFFIXES, "字幕文件")
            if spec.captions:
                try:
                    captions_mod.parse_captions((check.root / spec.captions).read_bytes())
                except captions_mod.CaptionError as error:
                    check.error_in(spec.captions, error.line,
                                   _CAPTION_LINE_PREFIX.sub("", error.message))

    @classmethod
    def package_front_matter(cls, spec, front):
        own = {key: value for key, value in (("video", spec.video), ("captions", spec.captions))
               if value}
        # Canonical order puts the video before the attachments.
        keys = list(front)
        at = keys.index("attachments") if "attachments" in keys else len(keys)
        return {**{k: front[k] for k in keys[:at]}, **own, **{k: front[k] for k in keys[at:]}}

    @classmethod
    def package_media(cls, spec):
        return [path for path in (spec.video, spec.captions) if path]

    @classmethod
    def export_spec(cls, lesson, spec, media, remembered):
        source, captions_text = services.video_package_files(lesson)
        if source is not None:
            name = Path(remembered.get("video") or f"media/{lesson.slug}.mp4").name
            spec.video = media.add(f"video:{lesson.id}", name,
                                   reader=lambda p=source: Path(p).read_bytes())
        if captions_text:
            name = Path(remembered.get("captions") or f"media/{lesson.slug}.vtt").name
            spec.captions = media.add(f"captions:{lesson.id}", name,
                                      reader=lambda t=captions_text: t.encode("utf-8"))

    @classmethod
    def remembered_paths(cls, spec):
        return {key: value for key, value in (("video", spec.video), ("captions", spec.captions))
                if value}

    @classmethod
    def verify_package_files(cls, spec, root):
        """Decode-check the video before touching the database (slow, but honest)."""
        if not spec.video:
            return []
        try:
            validate_video(resolve_media(root, spec.video))
        except VideoRejected as exc:
            return [PackageError(spec.source_file or spec.video, None, f"视频 {spec.video}：{exc}")]
        return []

    @classmethod
    def import_content(cls, lesson, spec, root, actor):
        """Whether the package's video or captions differ from what the lesson has;
        storing them waits for the commit (`import_after_commit`)."""
        if not spec.video:
            return False
        latest = services.latest_asset(lesson)
        if latest is None or latest.status == FAILED:
            return True
        if latest.source_sha256 != storage.sha256_of_file(resolve_media(root, spec.video)):
            return True
        if spec.captions:
            data = resolve_media(root, spec.captions).read_bytes()
            wanted = captions_mod.to_webvtt(captions_mod.parse_captions(data))
            return wanted != services.captions_text(latest)
        return False

    @classmethod
    def import_after_commit(cls, lesson, spec, root, actor):
        """Store the video (and captions) and queue transcoding; True when a job was queued."""
        latest = services.latest_asset(lesson)
        # attach_video reuses the newest asset when the file is the same, retrying it if
        # it had failed: only a new asset or a retry starts a job.
        previous = None if latest is None else (latest.id, latest.status)
        captions = resolve_media(root, spec.captions) if spec.captions else None
        asset = services.attach_video(lesson, resolve_media(root, spec.video), captions,
                                      actor=actor)
        return previous is None or asset.id != previous[0] or previous[1] == FAILED

