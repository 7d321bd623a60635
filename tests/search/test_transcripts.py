"""Issue 14: caption tracks are searchable as ~30 s passages that link to the second,
follow caption edits and deletions, and obey the lesson's and course's visibility."""
import pytest

from mooc.catalog import services as catalog
from mooc.search import services
from mooc.video import services as video
from mooc.video.captions import passages
from tests.catalog_factories import make_course, make_lesson
from tests.video.clips import clip

VTT = "WEBVTT\n\n" + "\n\n".join(
    f"00:{s // 60:02d}:{s % 60:02d}.000 --> 00:{(s + 5) // 60:02d}:{(s + 5) % 60:02d}.000\n{text}"
    for s, text in [(0, "同志们好"), (10, "今天学习党章"), (25, "第一章党员"),
                    (40, "党员的权利和义务"), (65, "民主集中制原则"), (95, "纪律处分条例")])


def drain():
    while services.process_outbox():
        pass


def test_passages_group_cues_into_about_thirty_seconds():
    rows = [{"start": s, "end": s + 5, "text": t} for s, t in
            [(0, "a"), (10, "b"), (29.9, "c"), (30, "d"), (61, "e"), (200, "f")]]
    assert [(p["start"], p["end"], p["text"]) for p in passages(rows)] == [
        (0, 34.9, "a b c"), (30, 35, "d"), (61, 66, "e"), (200, 205, "f")]
    assert passages([]) == []


@pytest.fixture
def video_lesson(app, db, tmp_path):
    course = make_course("党章视频课", lessons=0)
    lesson = make_lesson(course, "党章导读", kind="video")
    captions = tmp_path / "c.vtt"
    captions.write_text(VTT, encoding="utf-8")
    video.attach_video(lesson, clip("small.mp4"), captions)
    db.session.commit()
    services.rebuild()
    return lesson


def transcript_hits(text, allowed=None):
    return services.search(allowed, text, kinds=["transcript"]).hits


def test_passage_hit_has_start_time_and_second_link(video_lesson):
    hits = transcript_hits("民主集中制")
    assert len(hits) == 1
    assert hits[0].start_seconds == 40 and hits[0].url.endswith(f"/lessons/{video_lesson.id}?t=40")
    assert "<mark>民主集中制</mark>" in hits[0].snippet
    # The passage (40 s–70 s) is shown whole: the cue before the match too.
    assert "党员的权利和义务" in hits[0].snippet
    both = transcript_hits("今天学习党章")[0]
    assert both.start_seconds == 0 and "第一章党员" in both.snippet


def test_passages_follow_caption_edits_and_deletion(video_lesson, db, make_user):
    admin = make_user(role="admin")
    video.set_captions(video_lesson, admin, "WEBVTT\n\n00:01:40.000 --> 00:01:45.000\n学习强国积分\n"
                       .encode("utf-8"), "new.vtt")
    db.session.commit()
    drain()
    assert transcript_hits("民主集中制") == []
    assert [h.start_seconds for h in transcript_hits("学习强国积分")] == [100]
    video.remove_captions(video_lesson, admin)
    db.session.commit()
    drain()
    assert transcript_hits("学习强国积分") == []


def test_passages_obey_lesson_and_course_visibility(video_lesson, db, make_org, make_user):
    assert transcript_hits("纪律处分", allowed=[]) == []
    assert transcript_hits("纪律处分", allowed=[video_lesson.course_id + 1000]) == []
    catalog.set_lesson_published(video_lesson, None, False)
    db.session.commit()
    drain()
    assert transcript_hits("纪律处分") == []
