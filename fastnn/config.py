"""`tf.config` for a CPU library: the devices a program may list, and the threading knobs mapped to fastnn's.

fastnn runs on the CPU only, so the device lists hold one CPU; a program that checks for a GPU
(`tf.config.list_physical_devices("GPU")`) gets an empty list, as TensorFlow gives it on a machine without one.

Example:

>>> fastnn.config.list_physical_devices("GPU")
[]
>>> fastnn.config.threading.set_intra_op_parallelism_threads(2)   # same as fastnn.set_num_threads(2)
"""
from __future__ import annotations

import collections
import contextlib
import re
import types
from collections.abc import Iterator

from ._threads import get_num_threads, set_num_threads

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
PhysicalDevice.__doc__ = "A device as `tf.config.PhysicalDevice` names it: `name` and `device_type` ('CPU')."
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])
LogicalDevice.__doc__ = "A device as `tf.config.LogicalDevice` names it: `name` and `device_type` ('CPU')."

_DEVICE_TYPES = ("CPU", "GPU", "TPU")
_run_functions_eagerly = False


def _check_device_type(device_type):
    if device_type is None:
        return None
    if not isinstance(device_type, str) or device_type.upper() not in _DEVICE_TYPES:
        raise ValueError(f"`device_type` must be one of {', '.join(_DEVICE_TYPES)} or None. "
                         f"Received: device_type={device_type!r}")
    return device_type.upper()


def list_physical_devices(device_type: str | None = None) -> list:
    """The physical devices fastnn can run on: one CPU.

    Args:
        device_type: 'CPU', 'GPU', 'TPU' (any case) or None for all.

    Returns:
        A list of `PhysicalDevice`: `[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]` for 'CPU'
        or None, and `[]` for accelerators, which fastnn never uses.
    """
    kind = _check_device_type(device_type)
    return [PhysicalDevice("/physical_device:CPU:0", "CPU")] if kind in (None, "CPU") else []


def list_logical_devices(device_type: str | None = None) -> list:
    """The logical devices fastnn runs on: one CPU (see `list_physical_devices`).

    Args:
        device_type: 'CPU', 'GPU', 'TPU' (any case) or None for all.

    Returns:
        A list of `LogicalDevice`.
    """
    kind = _check_device_type(device_type)
    return [LogicalDevice("/device:CPU:0", "CPU")] if kind in (None, "CPU") else []


_DEVICE_NAME = re.compile(r"^(/job:\w+)?(/replica:\d+)?(/task:\d+)?(/?(device:)?(cpu|gpu|tpu):(\d+|\*))?$", re.I)


@contextlib.contextmanager
def device(device_name: str | None) -> Iterator[None]:
    """`with fastnn.device("CPU:0"):` as `tf.device`: accepted, and everything inside runs on the CPU.

    TensorFlow places an op on another device when the one asked for is missing (soft placement, on by default in
    eager mode); fastnn has only the CPU, so every valid device name places ops there.

    Args:
        device_name: a TensorFlow device name ("CPU:0", "/device:GPU:0", "/job:localhost/replica:0/task:0/device:
            CPU:0") or None.

    Raises:
        ValueError: for a string that is not a device name.

    Example:

    >>> with fastnn.device("CPU:0"):
    ...     x = fastnn.random.uniform([2, 2])
    >>> x.device.endswith("CPU:0")
    True
    """
    if device_name is not None and (not isinstance(device_name, str) or not _DEVICE_NAME.match(device_name)):
        raise ValueError(f"Invalid device name: expected e.g. 'CPU:0' or '/device:GPU:0'. "
                         f"Received: device_name={device_name!r}")
    yield


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Accepted as in TensorFlow; `fastnn.function` always runs Python eagerly, so results do not change.

    Args:
        run_eagerly: a bool, remembered for `functions_run_eagerly()`.
    """
    global _run_functions_eagerly
    if not isinstance(run_eagerly, bool):
        raise TypeError(f"`run_eagerly` must be a bool. Received: run_eagerly={run_eagerly!r}")
    _run_functions_eagerly = run_eagerly


def functions_run_eagerly() -> bool:
    """Whether `run_functions_eagerly(True)` was called (fastnn functions are eager either way)."""
    return _run_functions_eagerly


def _set_intra_op_parallelism_threads(num_threads: int) -> None:
    """Threads per kernel: `fastnn.set_num_threads(num_threads)`, with 0 meaning the default as in TensorFlow.

    Args:
        num_threads: a non-negative int; 0 returns to the default (one thread per CPU, or `OMP_NUM_THREADS`).
    """
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
        raise ValueError(f"`num_threads` must be a non-negative int (0: the default). Received: "
                         f"num_threads={num_threads!r}")
    set_num_threads(None if num_threads == 0 else num_threads)


def _get_intra_op_parallelism_threads() -> int:
    """Threads a kernel uses now (`fastnn.get_num_threads()`)."""
    return get_num_threads()


threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=_set_intra_op_parallelism_threads,
    get_intra_op_parallelism_threads=_get_intra_op_parallelism_threads,
)

__all__ = ["PhysicalDevice", "LogicalDevice", "device", "list_physical_devices", "list_logical_devices",
           "run_functions_eagerly", "functions_run_eagerly", "threading"]
