import pytest

from mooc.ops import heartbeat


@pytest.fixture(autouse=True)
def no_heartbeat(app):
    """huey's in-memory store outlives a test: start and end each without a heartbeat."""
    heartbeat.forget()
    yield
    heartbeat.forget()
