import cProfile, pstats, time, os, statistics
from tests.video.test_video_watch import Viewer, fake_clock  # noqa
from tests.video.test_video_media import ready_video
from tests.catalog_factories import make_course, make_lesson

def test_prof(app, make_user, fake_clock):
    lesson = make_lesson(make_course(lessons=0), "视频课", kind="video")
    ready_video(lesson, duration=1000000)
    v = Viewer(app, make_user(), lesson)
    v.open()
    N = 300
    state = {"n": 0}
    def run(k=N):
        for _ in range(k):
            n = state["n"]; state["n"] += 1
            fake_clock.now += 10
            r = v.beat((n * 10.0, n * 10.0 + 10))
            assert r.status_code == 200, r.json
    c = app.test_client()
    def live(k=N):
        for _ in range(k): c.get("/healthz/live")
    run(); live()
    ratios = []
    for _ in range(5):
        t = time.process_time(); run(); b = time.process_time() - t
        t = time.process_time(); live(); l = time.process_time() - t
        ratios.append(b / l)
    print(f"\nbeat/live cpu ratio {statistics.median(ratios):.2f} ({' '.join(f'{r:.2f}' for r in ratios)})  beat {b/N*1000:.2f} ms cpu")
    pr = cProfile.Profile(); pr.enable(); run(1000); pr.disable()
    st = pstats.Stats(pr); print(f"calls per beat {st.total_calls / 1000:.0f}")
    if os.environ.get("PROF"):
        st.sort_stats("cumulative").print_stats(70)

def test_callers(app, make_user, fake_clock):
    lesson = make_lesson(make_course(lessons=0), "视频课", kind="video")
    ready_video(lesson, duration=1000000)
    v = Viewer(app, make_user(), lesson)
    v.open()
    c = app.test_client()
    pr = cProfile.Profile(); pr.enable()
    for _ in range(300): c.get("/healthz/live")
    pr.disable(); print(f"\nlive calls {pstats.Stats(pr).total_calls/300:.0f}")
    pr = cProfile.Profile(); pr.enable()
    for n in range(300):
        fake_clock.now += 10
        v.beat((n * 10.0, n * 10.0 + 10))
    pr.disable()
    st = pstats.Stats(pr)
    st.print_callers("get_current_url|_create_identifier|url_root|host_url")

def test_spin(app, make_user, fake_clock):
    lesson = make_lesson(make_course(lessons=0), "视频课", kind="video")
    ready_video(lesson, duration=10000000)
    v = Viewer(app, make_user(), lesson)
    v.open()
    t = time.monotonic(); n = 0
    while time.monotonic() - t < 25:
        fake_clock.now += 10
        v.beat((n * 10.0, n * 10.0 + 10)); n += 1
    print("beats", n)
