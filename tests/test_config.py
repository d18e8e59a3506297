"""fastnn.config and fastnn.device: TensorFlow's device and threading surface, answered for a CPU-only library."""
import pytest

import fastnn


def test_device_lists_match_tensorflow_on_a_cpu_machine(tf):
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU, which TensorFlow lists and fastnn never uses")
    for kind in ("GPU", "CPU", None):
        ours = fastnn.config.list_physical_devices(kind)
        theirs = tf.config.list_physical_devices(kind)
        assert [(d.name, d.device_type) for d in ours] == [(d.name, d.device_type) for d in theirs]
    assert [d.device_type for d in fastnn.config.list_logical_devices()] == ["CPU"]
    assert fastnn.config.list_logical_devices("gpu") == []


def test_tensor_device_names_the_cpu_as_tensorflow_does(tf):
    with fastnn.device("CPU:0"):
        ours = fastnn.random.uniform([2, 2])
    with tf.device("CPU:0"):
        theirs = tf.random.uniform([2, 2])
    assert ours.device == theirs.device
    assert fastnn.Variable(1.0).device == ours.device


@pytest.mark.parametrize("name", ["CPU:0", "cpu:0", "/cpu:0", "/device:CPU:0", "/device:GPU:0", "GPU:1",
                                  "/job:localhost/replica:0/task:0/device:CPU:0", None])
def test_device_accepts_device_names_and_places_on_the_cpu(name):
    with fastnn.device(name):
        x = fastnn.ones([2]) * 2
    assert x.device.endswith("CPU:0")


@pytest.mark.parametrize("name", ["nonsense", "CPU", "XPU:0", 3])
def test_device_rejects_what_is_not_a_device_name(name):
    with pytest.raises(ValueError, match="device_name"), fastnn.device(name):
        pass


def test_bad_device_type_is_a_clear_error():
    with pytest.raises(ValueError, match="device_type='FPGA'"):
        fastnn.config.list_physical_devices("FPGA")


def test_intra_op_threads_are_fastnn_threads():
    try:
        fastnn.config.threading.set_intra_op_parallelism_threads(1)
        assert fastnn.get_num_threads() == 1 == fastnn.config.threading.get_intra_op_parallelism_threads()
        fastnn.config.threading.set_intra_op_parallelism_threads(0)  # TF's "default"
        fastnn.set_num_threads(None)
        default = fastnn.get_num_threads()
        assert fastnn.config.threading.get_intra_op_parallelism_threads() == default
        with pytest.raises(ValueError, match="num_threads=-1"):
            fastnn.config.threading.set_intra_op_parallelism_threads(-1)
    finally:
        fastnn.set_num_threads(None)


def test_run_functions_eagerly_is_remembered():
    try:
        fastnn.config.run_functions_eagerly(True)
        assert fastnn.config.functions_run_eagerly()
        with pytest.raises(TypeError, match="run_eagerly='yes'"):
            fastnn.config.run_functions_eagerly("yes")
    finally:
        fastnn.config.run_functions_eagerly(False)
