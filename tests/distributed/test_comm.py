"""The stall watchdog's setting (fastnn.distributed.set_timeout / FASTNN_DISTRIBUTED_TIMEOUT), in one process;
its effect on a job is tested under mpiexec in test_distributed.py (the "stall" fault)."""
import pytest

from fastnn.distributed import comm


@pytest.fixture(autouse=True)
def unset(monkeypatch):
    monkeypatch.delenv(comm.TIMEOUT_VARIABLE, raising=False)
    monkeypatch.setattr(comm, "_timeout", None)


def test_default_and_environment(monkeypatch):
    assert comm.get_timeout() == comm.DEFAULT_TIMEOUT == 300.0
    monkeypatch.setenv(comm.TIMEOUT_VARIABLE, "2.5")
    assert comm.get_timeout() == 2.5
    monkeypatch.setenv(comm.TIMEOUT_VARIABLE, "0")
    assert comm.get_timeout() is None  # 0: no limit


def test_set_timeout_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(comm.TIMEOUT_VARIABLE, "2.5")
    comm.set_timeout(7)
    assert comm.get_timeout() == 7.0
    comm.set_timeout(None)
    assert comm.get_timeout() is None


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf"), "10", True])
def test_set_timeout_rejects(value):
    with pytest.raises(ValueError, match=r"`seconds` must be a non-negative number of seconds or None, received"):
        comm.set_timeout(value)


def test_a_bad_environment_value_is_named(monkeypatch):
    monkeypatch.setenv(comm.TIMEOUT_VARIABLE, "ten")
    with pytest.raises(ValueError, match=r"FASTNN_DISTRIBUTED_TIMEOUT must be a non-negative number of seconds, "
                                         r"received 'ten'"):
        comm.get_timeout()
