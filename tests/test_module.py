"""fastnn.Module vs tf.Module (issue 15 item 1): variables / trainable_variables / submodules in TF's order,
name and name_scope, Variable names with ":0", Layers tracking Modules (also in lists and dicts); `name=` on ops;
TF's enum-like dtypes."""
import numpy as np
import pytest

import fastnn


def _tree(M):
    class Lin(M.Module):
        def __init__(self, n_in, n_out, name=None):
            super().__init__(name=name)
            with self.name_scope:
                self.w = M.Variable(np.ones((n_in, n_out), np.float32), name="w")
                self.b = M.Variable(np.zeros(n_out, np.float32), name="b")
                self.steps = M.Variable(0, trainable=False, name="steps")

        def __call__(self, x):
            return M.matmul(x, self.w) + self.b

    class Net(M.Module):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.first = Lin(3, 4, name="first")
            self.blocks = [Lin(4, 4, name="block0"), Lin(4, 2, name="block1")]
            self.table = {"z": Lin(2, 2, name="z_lin"), "a": M.Variable(1.0, name="scale")}

        def __call__(self, x):
            x = self.first(x)
            for block in self.blocks:
                x = block(x)
            return self.table["z"](x) * self.table["a"]

    return Net


def test_module_tracking_matches_tf(tf):
    ours, theirs = _tree(fastnn)(), _tree(tf)()
    assert ours.name == theirs.name == "net"
    for attr in ("variables", "trainable_variables"):
        assert [v.name for v in getattr(ours, attr)] == [v.name for v in getattr(theirs, attr)], attr
    assert [m.name for m in ours.submodules] == [m.name for m in theirs.submodules]
    assert ours.first.name_scope.name == theirs.first.name_scope.name
    x = np.ones((2, 3), np.float32)
    with fastnn.GradientTape() as tape:
        y = fastnn.reduce_sum(ours(x))
    with tf.GradientTape() as ttape:
        ty = tf.reduce_sum(theirs(x))
    np.testing.assert_allclose(y.numpy(), ty.numpy())
    for g, tg in zip(tape.gradient(y, ours.trainable_variables), ttape.gradient(ty, theirs.trainable_variables)):
        np.testing.assert_allclose(np.asarray(g), tg.numpy(), rtol=1e-6)


def test_variable_names_and_name_scopes_match_tf(tf):
    assert fastnn.Variable(1.0).name == tf.Variable(1.0).name == "Variable:0"
    assert fastnn.Variable(1.0, name="w").name == tf.Variable(1.0, name="w").name == "w:0"
    with fastnn.name_scope("outer") as a, tf.name_scope("outer") as b:
        assert a == b == "outer/"
        with fastnn.name_scope("inner"), tf.name_scope("inner"):
            assert fastnn.Variable(1.0, name="v").name == tf.Variable(1.0, name="v").name == "outer/inner/v:0"
    # Keras 3 weight names stay plain
    dense = fastnn.layers.Dense(2)
    dense.build((None, 3))
    assert [w.name for w in dense.weights] == ["kernel", "bias"]


def test_module_default_name_and_bad_names(tf):
    class MyBlock(fastnn.Module):
        pass

    class MyTfBlock(tf.Module):
        pass

    assert MyBlock().name == "my_block" and MyTfBlock().name == "my_tf_block"
    with pytest.raises(ValueError, match="not a valid module name"):
        fastnn.Module(name="1 bad")
    with pytest.raises(ValueError):
        tf.Module(name="1 bad")


def test_layers_and_models_track_modules_in_attributes_lists_and_dicts():
    Net = _tree(fastnn)

    class Wrapper(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.net = Net()
            self.extra = [Net(name="other")]
            self.head = fastnn.layers.Dense(1)

        def call(self, x):
            return self.head(self.net(x) + self.extra[0](x))

    model = Wrapper()
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    model.compile(fastnn.optimizers.SGD(0.01), "mse")
    model.fit(x, np.ones((8, 1), np.float32), verbose=0)
    n_module = len(Net().variables)
    assert len(model.weights) == 2 * n_module + 2
    assert len(model.trainable_weights) == 2 * len(Net().trainable_variables) + 2
    assert not np.array_equal(model.net.first.w.numpy(), np.ones((3, 4)))  # trained through the Module


def test_name_argument_on_ops_like_tf(tf):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    cases = [
        lambda M: M.constant([1.0, 2.0], name="c"),
        lambda M: M.add(x, 1.0, name="add"),
        lambda M: M.reduce_sum(x, axis=1, name="s"),
        lambda M: M.matmul(x, x.T, name="mm"),
        lambda M: M.reshape(x, (3, 2), name="r"),
        lambda M: M.nn.relu(x - 2, name="relu"),
        lambda M: M.cast(x, M.int32, name="cast"),
        lambda M: M.zeros((2, 2), name="z"),
    ]
    for case in cases:
        np.testing.assert_array_equal(np.asarray(case(fastnn)), case(tf).numpy())
    with pytest.raises(TypeError, match="name=3"):
        fastnn.add(x, 1.0, name=3)


def test_dtypes_are_tf_like(tf):
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8"):
        ours, theirs = getattr(fastnn, name), getattr(tf, name)
        assert ours.name == theirs.name == name
        assert ours.as_numpy_dtype is theirs.as_numpy_dtype
        assert (ours.is_floating, ours.is_integer, ours.size) == (theirs.is_floating, theirs.is_integer,
                                                                  theirs.size)
        assert ours == np.dtype(name) == ours.as_numpy_dtype and ours == name
        assert fastnn.as_dtype(theirs) is ours  # TF's own dtype objects are accepted
    assert fastnn.bool_.name == tf.bool.name == "bool"
    assert fastnn.int32.max == tf.int32.max and fastnn.float32.min == tf.float32.min
    # a dtype given as a fastnn/numpy dtype, a string or TF's enum value gives the same tensor
    for dtype in (fastnn.int32, np.int32, np.dtype("int32"), "int32", tf.int32):
        t = fastnn.constant([1.7, 2.2], dtype=dtype)
        assert t.dtype == fastnn.int32 and t.dtype == "int32"
        assert fastnn.Variable([1, 2], dtype=dtype).dtype == np.int32
        assert fastnn.zeros((2,), dtype=dtype).dtype == fastnn.int32
    assert np.zeros(2, fastnn.float64).dtype == np.float64
    with pytest.raises(TypeError, match="dtype='nonsense'"):
        fastnn.as_dtype("nonsense")


def test_dtypes_given_as_tf_datatype_enum_numbers_read_as_tf_does(tf):
    # keras-io's subclassing guide writes `tf.zeros(1, 1)`: TF reads the 1 as its DataType enum, float32
    for number in (1, 2, 3, 4, 5, 6, 9, 10, 17, 19, 22, 23):
        assert fastnn.as_dtype(number).name == tf.as_dtype(number).name, number
        assert fastnn.as_dtype(number).as_datatype_enum == tf.as_dtype(number).as_datatype_enum == number
    ours, theirs = fastnn.zeros(1, 1), tf.zeros(1, 1)
    assert ours.dtype == theirs.dtype.name and ours.shape == tuple(theirs.shape)
    assert fastnn.constant([1, 2], dtype=9).dtype == tf.constant([1, 2], dtype=9).dtype.name == "int64"
    with pytest.raises(TypeError, match="dtype=7"):  # DT_STRING: a dtype fastnn does not have
        fastnn.as_dtype(7)
    with pytest.raises(TypeError, match="dtype"):
        fastnn.zeros(1, True)  # a bool is no enum number
