"""Two schedulers, one run: a due minute's periodic jobs are enqueued by one worker."""
import datetime as dt

from huey import MemoryHuey, crontab

from mooc.ops import scheduling


def test_only_the_first_scheduler_enqueues_a_minute():
    huey = MemoryHuey("schedule-test")

    @huey.periodic_task(crontab(minute="*"), name="every_minute")
    def every_minute():
        pass

    # Two consumers share the storage: model them as two wrappers over one huey.
    first_read = huey.read_periodic
    scheduling.install(huey=huey)
    scheduling.install(huey=huey)                    # idempotent
    assert huey.read_periodic is not first_read and huey.read_periodic.mooc_claimed
    minute = dt.datetime(2026, 12, 7, 1, 0, 5)
    assert [t.name for t in huey.read_periodic(minute)] == ["every_minute"]
    assert huey.read_periodic(minute.replace(second=40)) == []      # the other worker
    nxt = minute + dt.timedelta(minutes=1)
    assert [t.name for t in huey.read_periodic(nxt)] == ["every_minute"]
    # Old claims are forgotten, so storage does not grow.
    for n in range(10):
        huey.read_periodic(minute + dt.timedelta(minutes=30 + n))
    assert huey.get(scheduling._minute_key(minute), peek=True) is None
    assert huey.get(scheduling._minute_key(minute + dt.timedelta(minutes=39)), peek=True)
    assert len(huey.get(scheduling.RECENT, peek=True)) == scheduling.KEEP
