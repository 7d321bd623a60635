"""Watch tracking rules, driven by a fake server clock."""
import json
import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mooc.video.tracking import (
    DUPLICATE, OK, OVER_BUDGET, PARTIALLY_CREDITED, SKIP_AHEAD, SUPERSEDED, TOO_FAST,
    BeatOutcome, Heartbeat, InvalidBeat, LessonProgress, WatchPolicy, WatchSession,
    apply_heartbeat, coverage, frontier, intervals_from_json, intervals_to_json, is_idle,
    merge_intervals, open_session, subtract_intervals,
)

POLICY = WatchPolicy()
STRICT = replace(POLICY, no_skip_ahead=True)
T0 = 1_000_000.0  # arbitrary server epoch: nothing may assume the clock starts at 0


class FakeViewer:
    """One device: a session, the shared progress and a fake clock."""

    def __init__(self, policy=POLICY, duration=600.0, progress=None, sessions=None, now=T0):
        self.policy, self.duration, self.now = policy, duration, now
        self.progress = progress if progress is not None else LessonProgress()
        self.sessions = sessions if sessions is not None else []
        self.session, _ = open_session(self.sessions, user_id=7, lesson_id=3, now=self.now)
        self.sessions.append(self.session)
        self.seq = 0

    def beat(self, after, segments, rate=1.0, position=None, final=False, seq=None):
        self.now += after
        if seq is None:
            self.seq += 1
            seq = self.seq
        if position is None:
            position = segments[-1][1] if segments else self.progress.position
        beat = Heartbeat(seq=seq, segments=tuple(segments), rate=rate, position=position, final=final)
        return apply_heartbeat(self.policy, self.session, self.progress, beat, self.now, self.duration)


def watch_honestly(viewer, start=0.0, until=None, rate=1.0, every=10.0):
    """A player playing from ``start`` at ``rate``, reporting every ``every`` seconds."""
    until = viewer.duration if until is None else until
    outcomes, position = [], start
    while position < until:
        end = min(position + every * rate, until)
        wall = (end - position) / rate
        outcomes.append(viewer.beat(wall, [(position, end)], rate=rate, final=end >= until))
        position = end
    return outcomes


# -- intervals --------------------------------------------------------------

def test_merge_sorts_merges_touching_and_drops_empty_or_broken():
    assert merge_intervals([(20, 30), (0, 10), (10, 15), (5, 12), (40, 40), (50, 45),
                            (float("nan"), 60)]) == [(0, 15), (20, 30)]
    assert merge_intervals([]) == []


def test_merge_never_bridges_a_gap():
    assert merge_intervals([(0, 10), (10.001, 20)]) == [(0, 10), (10.001, 20)]


def test_coverage_is_clipped_to_the_media_and_bounded():
    assert coverage([(0, 30), (20, 60)], 120) == pytest.approx(0.5)
    assert coverage([(-50, 500)], 100) == 1.0
    assert coverage([], 100) == 0.0
    assert coverage([(0, 10)], 0) == 0.0


def test_frontier_is_the_contiguous_reach_from_zero():
    assert frontier([(0, 10), (10, 25), (40, 50)]) == 25
    assert frontier([(5, 10)]) == 0
    assert frontier([(0.5, 10), (11, 20)], gap_tolerance=2) == 20
    assert frontier([]) == 0


def test_subtract_returns_only_unwatched_parts():
    assert subtract_intervals((0, 50), [(10, 20), (30, 40)]) == [(0, 10), (20, 30), (40, 50)]
    assert subtract_intervals((12, 18), [(10, 20)]) == []
    assert subtract_intervals((5, 15), []) == [(5, 15)]


def test_intervals_round_trip_through_json():
    data = json.loads(json.dumps(intervals_to_json([(10, 20), (0, 10.5)])))
    assert data == [[0, 20]]
    assert intervals_from_json(data) == [(0, 20)]
    for broken in ("0-10", [[0]], [["a", 3]], [[0, float("inf")]]):
        with pytest.raises(ValueError):
            intervals_from_json(broken)


# -- honest viewing ---------------------------------------------------------

def test_honest_viewing_at_normal_speed_completes_the_lesson():
    viewer = FakeViewer(duration=605.0)
    outcomes = watch_honestly(viewer)
    assert {o.status for o in outcomes} == {OK}
    assert viewer.progress.completed
    assert outcomes[-1].coverage == pytest.approx(1.0)
    assert sum(o.credited_seconds for o in outcomes) == pytest.approx(605.0)
    assert [o.completed_now for o in outcomes].count(True) == 1
    # Completion fires at 95 %, not only at the very end.
    first = next(o for o in outcomes if o.completed_now)
    assert 0.95 <= first.coverage < 0.97
    assert viewer.progress.completed_at < viewer.now


def test_watching_at_double_speed_is_credited_in_half_the_time():
    viewer = FakeViewer(duration=600.0)
    outcomes = watch_honestly(viewer, rate=2.0)
    assert {o.status for o in outcomes} == {OK}
    assert viewer.progress.completed
    assert viewer.now - T0 == pytest.approx(300.0)


@pytest.mark.parametrize("rate", [1.0, 1.5, 2.0])
def test_honest_viewing_with_network_jitter_is_fully_credited(rate):
    # Each beat reaches the server 0..0.9 s after the player sent it, so the
    # server's elapsed time between beats wanders between 9.1 and 10.9 s.
    viewer = FakeViewer(duration=300.0)
    delays = [0.9, 0.0, 0.6, 0.1, 0.9, 0.2, 0.0, 0.8]
    sent_at, position, outcomes = 0.0, 0.0, []
    for index in range(1000):
        if position >= viewer.duration:
            break
        end = min(position + 10 * rate, viewer.duration)
        sent_at += (end - position) / rate
        delay = delays[index % len(delays)]
        wall = (sent_at + delay) - (viewer.now - T0)
        outcomes.append(viewer.beat(wall, [(position, end)], rate=rate, final=end >= viewer.duration))
        position = end
    assert {o.status for o in outcomes} == {OK}
    assert viewer.progress.intervals == [(0, 300)] and viewer.progress.completed


def test_claiming_a_rate_above_the_maximum_is_capped():
    viewer = FakeViewer()
    outcome = viewer.beat(10, [(0, 40)], rate=4.0)
    assert outcome.status == PARTIALLY_CREDITED and outcome.reasons == (OVER_BUDGET,)
    assert outcome.credited_seconds == pytest.approx(10 * POLICY.max_rate + POLICY.tolerance)


def test_final_beat_may_come_early_but_earns_only_its_elapsed_time():
    viewer = FakeViewer()
    watch_honestly(viewer, until=30)
    outcome = viewer.beat(1.0, [(30, 31)], final=True)
    assert outcome.status == OK and outcome.credited_seconds == pytest.approx(1.0)
    outcome = viewer.beat(1.0, [(31, 41)], final=True)
    assert outcome.status == PARTIALLY_CREDITED
    assert outcome.credited_seconds <= 1.0 + POLICY.tolerance / POLICY.min_beat_gap + 1e-9


# -- forged and flooded beats -----------------------------------------------

def test_forged_beat_claiming_ten_minutes_after_ten_seconds_is_capped():
    viewer = FakeViewer(duration=900.0)
    outcome = viewer.beat(10, [(0, 600)], rate=1.0)
    assert outcome.credited_seconds <= 10 * POLICY.max_rate + POLICY.tolerance
    assert outcome.status == PARTIALLY_CREDITED and OVER_BUDGET in outcome.reasons
    assert "超过实际经过的时间" in outcome.message_zh
    assert viewer.progress.watched_seconds() == pytest.approx(outcome.credited_seconds)
    assert not viewer.progress.completed


def test_forged_rate_does_not_raise_the_cap():
    viewer = FakeViewer(duration=900.0)
    outcome = viewer.beat(10, [(0, 600)], rate=16.0)
    assert outcome.credited_seconds <= 10 * POLICY.max_rate + POLICY.tolerance


def test_fast_replays_are_rejected_and_do_not_advance_the_clock():
    viewer = FakeViewer()
    watch_honestly(viewer, until=20)
    outcomes = [viewer.beat(0.5, [(20, 20 + 5.0 * (i + 1))]) for i in range(5)]
    assert {o.status for o in outcomes} == {TOO_FAST}
    assert all(o.http_status == 429 and o.credited_seconds == 0 for o in outcomes)
    assert outcomes[0].message_zh.startswith("心跳过于频繁")
    assert viewer.progress.intervals == [(0, 20)]
    # The flood did not move the clock, so the next beat is paid for the
    # 10 s since the last accepted beat, no more and no less.
    outcome = viewer.beat(7.5, [(20, 60)])
    assert outcome.credited_seconds == pytest.approx(10 * 1.0 + POLICY.tolerance)


def test_a_sustained_flood_of_replays_does_not_over_credit():
    viewer = FakeViewer(duration=3600.0)
    flood_start, position, outcomes = viewer.now, 0.0, []
    for _ in range(120):  # 60 s of beats every 0.5 s, each claiming 5 more seconds
        outcomes.append(viewer.beat(0.5, [(position, position + 5.0)], rate=2.0))
        position += 5.0
    accepted = [o for o in outcomes if o.status != TOO_FAST]
    assert len(accepted) == 20  # one per min_beat_gap
    wall = viewer.now - flood_start
    credited = sum(o.credited_seconds for o in outcomes)
    assert credited <= wall * POLICY.max_rate + len(accepted) * POLICY.tolerance
    assert credited <= wall * POLICY.max_rate + POLICY.tolerance  # the session-wide cap


def test_a_flood_of_final_beats_cannot_farm_the_tolerance():
    viewer = FakeViewer(duration=3600.0)
    position = 0.0
    for _ in range(240):  # 120 s of final beats every 0.5 s, each claiming 3 s
        viewer.beat(0.5, [(position, position + 3.0)], rate=2.0, final=True)
        position += 3.0
    assert viewer.progress.watched_seconds() <= 120 * POLICY.max_rate + POLICY.tolerance + 1e-6


def test_opening_new_sessions_repeatedly_earns_no_more_than_the_beat_rules_allow():
    sessions, progress, now = [], LessonProgress(), T0
    for round_ in range(30):  # a script reopening the session before every beat
        viewer = FakeViewer(progress=progress, sessions=sessions, now=now)
        viewer.beat(0.5, [(round_ * 10, round_ * 10 + 10)], final=True)
        now = viewer.now
    wall = now - T0
    bound = wall * (POLICY.max_rate + POLICY.tolerance / POLICY.min_beat_gap)
    assert progress.watched_seconds() <= bound + 1e-6


def test_a_long_silence_pays_at_most_the_idle_timeout():
    viewer = FakeViewer(duration=7200.0)
    outcome = viewer.beat(3600, [(0, 3600)])
    assert outcome.credited_seconds <= POLICY.session_idle_timeout * 1.0 + POLICY.tolerance
    assert not is_idle(POLICY, viewer.session, viewer.now)
    assert is_idle(POLICY, viewer.session, viewer.now + POLICY.session_idle_timeout + 1)


def test_a_clock_stepping_backwards_pays_nothing():
    viewer = FakeViewer()
    watch_honestly(viewer, until=10)
    outcome = viewer.beat(-5, [(10, 20)])
    assert outcome.status == TOO_FAST and viewer.progress.watched_seconds() == 10


# -- skipping ahead ---------------------------------------------------------

def test_seeking_ahead_is_refused_on_a_first_viewing_when_the_course_forbids_it():
    viewer = FakeViewer(policy=STRICT)
    watch_honestly(viewer, until=30)
    outcome = viewer.beat(10, [(300, 310)], position=310)
    assert outcome.status == PARTIALLY_CREDITED and outcome.reasons == (SKIP_AHEAD,)
    assert outcome.credited_seconds == 0 and outcome.refused_seconds == 10
    assert "不能跳过" in outcome.message_zh
    assert viewer.progress.intervals == [(0, 30)]
    # The resume point stays where credit can still be earned.
    assert outcome.position <= 30 + STRICT.tolerance


def test_small_gaps_within_the_tolerance_are_not_a_skip():
    viewer = FakeViewer(policy=STRICT)
    assert viewer.beat(10, [(0.4, 10)]).status == OK
    assert viewer.beat(10, [(11, 21)]).status == OK


def test_one_beat_may_carry_consecutive_segments_under_no_skip_ahead():
    viewer = FakeViewer(policy=STRICT)
    outcome = viewer.beat(10, [(5, 10), (0, 5)])
    assert outcome.status == OK and viewer.progress.intervals == [(0, 10)]


def test_seeking_ahead_without_the_rule_is_credited_within_the_budget():
    viewer = FakeViewer(policy=POLICY)
    watch_honestly(viewer, until=30)
    outcome = viewer.beat(10, [(300, 310)])
    assert outcome.status == OK and outcome.credited_seconds == 10
    outcome = viewer.beat(10, [(400, 460)])
    assert outcome.credited_seconds == pytest.approx(10 + POLICY.tolerance)


def test_after_completion_the_learner_may_skip_freely():
    viewer = FakeViewer(policy=STRICT, duration=200.0)
    watch_honestly(viewer, until=192)
    assert viewer.progress.completed
    outcome = viewer.beat(5, [(195, 200)], position=200)
    assert outcome.status == OK and outcome.position == 200


# -- devices and sequence numbers ----------------------------------------------

def test_a_second_device_supersedes_the_first():
    sessions, progress = [], LessonProgress()
    phone = FakeViewer(progress=progress, sessions=sessions)
    assert phone.beat(10, [(0, 10)]).status == OK
    laptop = FakeViewer(progress=progress, sessions=sessions, now=phone.now + 1)
    assert not phone.session.active and laptop.session.active

    outcome = phone.beat(10, [(10, 20)])
    assert outcome.status == SUPERSEDED and outcome.http_status == 409
    assert outcome.message_zh == "已在其他设备上观看，本设备不再计入学时"
    assert outcome.credited_seconds == 0 and progress.intervals == [(0, 10)]

    assert laptop.beat(10, [(10, 20)]).status == OK
    assert progress.intervals == [(0, 20)]


def test_open_session_reports_what_it_superseded_and_leaves_other_users_alone():
    mine, _ = open_session([], user_id=1, lesson_id=10, now=T0)
    theirs, _ = open_session([], user_id=2, lesson_id=10, now=T0)
    other_lesson, superseded = open_session([mine, theirs], user_id=1, lesson_id=11, now=T0 + 5)
    assert superseded == [mine] and not mine.active
    assert theirs.active and other_lesson.active
    assert other_lesson.session_id != mine.session_id


def test_the_same_beat_twice_is_a_no_op():
    viewer = FakeViewer()
    first = viewer.beat(10, [(0, 10)])
    snapshot = (viewer.session.to_json(), viewer.progress.to_json())
    again = viewer.beat(10, [(0, 10)], seq=1)
    assert again.status == DUPLICATE and again.http_status == 200
    assert again.credited_seconds == 0 and again.coverage == first.coverage
    assert (viewer.session.to_json(), viewer.progress.to_json()) == snapshot


def test_an_older_beat_arriving_late_is_a_no_op():
    viewer = FakeViewer()
    watch_honestly(viewer, until=30)
    snapshot = viewer.progress.to_json()
    outcome = viewer.beat(10, [(100, 110)], seq=2)
    assert outcome.status == DUPLICATE and viewer.progress.to_json() == snapshot


def test_a_too_fast_beat_does_not_consume_its_sequence_number():
    viewer = FakeViewer()
    assert viewer.beat(1, [(0, 1)], seq=1).status == TOO_FAST
    outcome = viewer.beat(9, [(0, 10)], seq=1)
    assert outcome.status == OK and outcome.credited_seconds == 10
    assert viewer.beat(0, [(0, 10)], seq=1).status == DUPLICATE


# -- re-watching and monotonic progress --------------------------------------

def test_rewatching_adds_no_coverage_and_costs_no_budget():
    viewer = FakeViewer()
    watch_honestly(viewer, until=60)
    outcomes = watch_honestly(viewer, start=0, until=60)
    assert sum(o.credited_seconds for o in outcomes) == 0
    assert viewer.progress.intervals == [(0, 60)]
    # 50 s of re-watching at 2x plus 10 new seconds, all within 12 s of budget.
    outcome = viewer.beat(10, [(10, 60), (60, 70)], rate=2.0)
    assert outcome.status == OK and outcome.credited_seconds == 10


def test_progress_never_goes_backwards_but_the_resume_point_follows_the_player():
    viewer = FakeViewer(duration=100.0)
    watch_honestly(viewer)
    assert viewer.progress.completed
    outcome = viewer.beat(10, [], position=12.5)
    assert outcome.status == OK and outcome.position == 12.5 == viewer.progress.position
    assert viewer.progress.completed and viewer.progress.intervals == [(0, 100)]
    outcome = viewer.beat(10, [(-20, 5000)], position=-3)
    assert outcome.position == 0 and outcome.coverage == 1.0


# -- serialisation and validation ---------------------------------------------

def test_state_round_trips_through_json():
    viewer = FakeViewer()
    outcome = viewer.beat(10, [(0, 10.25)], rate=1.25, position=10.25)
    session = WatchSession.from_json(json.loads(json.dumps(viewer.session.to_json())))
    progress = LessonProgress.from_json(json.loads(json.dumps(viewer.progress.to_json())))
    assert session == viewer.session and progress == viewer.progress
    assert json.loads(json.dumps(outcome.to_json()))["status"] == OK
    assert set(viewer.progress.to_json()) == {"intervals", "position", "completed", "completed_at"}


@pytest.mark.parametrize("data", [
    {"segments": [[0, 1]]},                     # no seq
    {"seq": 0}, {"seq": True}, {"seq": "1"},
    {"seq": 1, "rate": 0}, {"seq": 1, "rate": float("nan")},
    {"seq": 1, "segments": [[5, 1]]}, {"seq": 1, "segments": [[0]]},
    {"seq": 1, "segments": "0-10"}, {"seq": 1, "segments": [[0, 1]] * 201},
    {"seq": 1, "position": float("inf")}, {"seq": 1, "final": "yes"},
    [1, 2],
])
def test_unreadable_beats_are_refused_in_chinese(data):
    with pytest.raises(InvalidBeat) as caught:
        Heartbeat.from_json(data)
    assert caught.value.http_status == 400 and caught.value.message_zh == "心跳数据格式不正确"


def test_a_readable_beat_from_json():
    beat = Heartbeat.from_json({"seq": 3, "segments": [[0, 10]], "rate": 1.5, "position": 10, "final": True})
    assert beat == Heartbeat(seq=3, segments=((0.0, 10.0),), rate=1.5, position=10.0, final=True)


def test_policy_rejects_nonsense():
    with pytest.raises(ValueError):
        WatchPolicy(completion_share=1.5)
    with pytest.raises(ValueError):
        WatchPolicy(min_beat_gap=20)
    with pytest.raises(ValueError):
        WatchPolicy(max_rate=0)


def test_duration_must_be_measured():
    viewer = FakeViewer(duration=0.0)
    with pytest.raises(ValueError):
        viewer.beat(10, [(0, 10)])


# -- properties ----------------------------------------------------------------

segment = st.tuples(st.floats(-50, 700), st.floats(0, 120)).map(lambda p: (p[0], p[0] + p[1]))
beat_step = st.fixed_dictionaries({
    "after": st.floats(0, 40),
    "seq_step": st.integers(-1, 3),
    "segments": st.lists(segment, max_size=4),
    "rate": st.floats(0.1, 16),
    "position": st.floats(-10, 700),
    "final": st.booleans(),
    # Now and then another device takes over, or a superseded one keeps beating.
    "device": st.sampled_from(["current"] * 6 + ["new", "stale"]),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(beat_step, min_size=1, max_size=40), strict=st.booleans(),
       duration=st.sampled_from([45.0, 600.0]))
def test_random_beats_never_over_credit_or_lose_progress(steps, strict, duration):
    policy = STRICT if strict else POLICY
    sessions, progress, now = [], LessonProgress(), T0
    session, _ = open_session(sessions, 7, 3, now)
    sessions.append(session)
    last_accepted_at, seq = now, 0
    previous_coverage, was_completed = 0.0, False

    for step in steps:
        now += step["after"]
        if step["device"] == "new":
            session, _ = open_session(sessions, 7, 3, now)
            sessions.append(session)
            last_accepted_at, seq = now, 0
        seq = max(1, seq + step["seq_step"])
        beat = Heartbeat(seq=seq, segments=tuple(step["segments"]), rate=step["rate"],
                         position=step["position"], final=step["final"])
        watched_before = progress.watched_seconds()
        if step["device"] == "stale" and len(sessions) > 1:
            outcome = apply_heartbeat(policy, sessions[0], progress, replace(beat, seq=10_000), now, duration)
            assert outcome.status == SUPERSEDED and outcome.credited_seconds == 0
            assert progress.watched_seconds() == watched_before
            continue
        outcome = apply_heartbeat(policy, session, progress, beat, now, duration)
        assert isinstance(outcome, BeatOutcome)

        # Credit is backed by server time.
        elapsed = now - last_accepted_at
        assert outcome.credited_seconds <= elapsed * policy.max_rate + policy.tolerance + 1e-6
        assert session.credited_seconds <= (now - session.started_at) * policy.max_rate + policy.tolerance + 1e-6
        if outcome.status in (OK, PARTIALLY_CREDITED):
            last_accepted_at = now
        else:
            assert outcome.credited_seconds == 0
        # What was credited is exactly what was added.
        assert progress.watched_seconds() - watched_before == pytest.approx(outcome.credited_seconds, abs=1e-6)

        # Progress only grows.
        assert outcome.coverage >= previous_coverage
        assert not (was_completed and not progress.completed)
        previous_coverage, was_completed = outcome.coverage, progress.completed

        # Stored intervals stay merged, sorted and on the media.
        for start, end in progress.intervals:
            assert 0 <= start < end <= duration
        for (_, end), (next_start, _) in zip(progress.intervals, progress.intervals[1:]):
            assert end < next_start
        assert 0 <= progress.position <= duration
        assert math.isclose(outcome.coverage, coverage(progress.intervals, duration))
        assert progress.completed == (progress.completed_at is not None)
