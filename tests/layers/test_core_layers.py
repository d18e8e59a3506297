"""Each layer vs its Keras twin given the same weights: outputs, and gradients for the inputs and weights through
the two tapes; then Keras defaults, weight layouts and argument errors."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import layers

R = np.random.default_rng(17)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


CASES = {  # name -> (class name, kwargs, input)
    "dense_linear": ("Dense", {"units": 5}, f32(4, 3)),
    "dense_relu": ("Dense", {"units": 5, "activation": "relu"}, f32(4, 3)),
    "dense_tanh_3d": ("Dense", {"units": 5, "activation": "tanh"}, f32(2, 4, 3)),
    "dense_sigmoid": ("Dense", {"units": 5, "activation": "sigmoid"}, f32(4, 3)),
    "dense_softmax": ("Dense", {"units": 5, "activation": "softmax"}, f32(4, 3)),
    "dense_leaky_relu": ("Dense", {"units": 5, "activation": "leaky_relu"}, f32(4, 3)),
    "dense_elu_nobias": ("Dense", {"units": 5, "activation": "elu", "use_bias": False}, f32(4, 3)),
    "dense_softplus": ("Dense", {"units": 5, "activation": "softplus"}, f32(4, 3)),
    "dense_swish": ("Dense", {"units": 5, "activation": "swish"}, f32(4, 3)),
    "dense_selu": ("Dense", {"units": 5, "activation": "selu"}, f32(4, 3)),
    "conv_valid_relu": ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}, f32(2, 8, 8, 2)),
    "conv_same_strided": ("Conv2D", {"filters": 3, "kernel_size": (3, 2), "strides": 2, "padding": "same"},
                          f32(2, 7, 8, 3)),
    "conv_dilated_tanh": ("Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "activation": "tanh",
                                     "padding": "same"}, f32(1, 9, 9, 1)),
    "maxpool": ("MaxPooling2D", {}, f32(2, 6, 6, 3)),
    "maxpool_same": ("MaxPool2D", {"pool_size": 3, "strides": 2, "padding": "same"}, f32(2, 7, 7, 2)),
    "avgpool": ("AveragePooling2D", {"pool_size": (2, 3)}, f32(2, 6, 6, 3)),
    "flatten": ("Flatten", {}, f32(2, 3, 4, 5)),
    "reshape": ("Reshape", {"target_shape": (6, -1)}, f32(2, 3, 4)),
    "activation_tanh": ("Activation", {"activation": "tanh"}, f32(3, 4)),
    "relu_capped": ("ReLU", {"max_value": 0.5, "negative_slope": 0.1, "threshold": 0.2}, f32(3, 4)),
    "leaky_relu_layer": ("LeakyReLU", {}, f32(3, 4)),
    "softmax_layer": ("Softmax", {}, f32(3, 4)),
    "dropout_inference": ("Dropout", {"rate": 0.5}, f32(3, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_matches_keras(name, tf):
    cls, kwargs, x = CASES[name]
    theirs = getattr(tf.keras.layers, cls)(**kwargs)
    ours = getattr(layers, cls)(**kwargs)
    theirs(x)
    ours(x)
    expected_weights = theirs.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in expected_weights]
    ours.set_weights(expected_weights)
    xv, txv = fastnn.Variable(x), tf.Variable(x)
    with fastnn.GradientTape() as tape:
        y = ours(xv)
    with tf.GradientTape() as tf_tape:
        ty = theirs(txv)
    assert y.shape == tuple(ty.shape)
    assert_close_scaled(y.numpy(), ty.numpy(), tol=2e-6, err_msg=f"{name} output")
    seed = f32(*y.shape)
    sources = [xv] + ours.trainable_weights
    tf_sources = [txv] + theirs.trainable_weights
    grads = tape.gradient(y, sources, output_gradients=seed)
    expected = tf_tape.gradient(ty, tf_sources, output_gradients=tf.constant(seed))
    for i, (g, e) in enumerate(zip(grads, expected)):
        assert_close_scaled(g.numpy(), tf.convert_to_tensor(e).numpy(), err_msg=f"{name} gradient {i}")


def test_keras_defaults():
    dense = layers.Dense(300)
    dense.build((None, 200))
    kernel, bias = dense.get_weights()
    limit = np.sqrt(6 / 500)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit  # glorot_uniform
    assert not bias.any()
    assert layers.LeakyReLU().negative_slope == 0.3
    assert layers.MaxPool2D().strides == (2, 2) and layers.MaxPool2D(3).strides == (3, 3)
    assert layers.Conv2D(4, 3).padding == "valid"
    names = {layers.Dense(2).name for _ in range(3)}
    assert len(names) == 3  # unique, Keras-style dense, dense_1, ...


def test_dropout_only_when_training():
    layer = layers.Dropout(0.5, seed=1)
    x = np.ones((100, 100), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) == {0.0, 2.0} and abs((y == 0).mean() - 0.5) < 0.03
    assert not np.array_equal(y, layer(x, training=True).numpy())  # a new mask each step


def test_custom_layer_trains_through_the_tape():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")

        def call(self, inputs):
            return fastnn.multiply(inputs, self.w)

    layer = Scale()
    x = np.array([[1.0, 2.0]], np.float32)
    with fastnn.GradientTape() as tape:
        loss = fastnn.reduce_sum(layer(x))
    (g,) = tape.gradient(loss, layer.trainable_weights)
    np.testing.assert_array_equal(g.numpy(), [1.0, 2.0])
    assert layer.count_params() == 2 and layer.weights[0].name == "w"


def test_nested_layers_and_freezing():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.first = layers.Dense(3)
            self.second = layers.Dense(2)

        def call(self, inputs):
            return self.second(self.first(inputs))

    block = Block()
    block(np.ones((1, 4), np.float32))
    assert [w.shape for w in block.weights] == [(4, 3), (3,), (3, 2), (2,)]
    block.first.trainable = False
    assert len(block.trainable_weights) == 2 and len(block.non_trainable_weights) == 2
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 4


def test_regularizers_and_constraints():
    dense = layers.Dense(2, kernel_regularizer=fastnn.regularizers.L2(0.5), bias_regularizer="l1",
                         kernel_constraint=fastnn.constraints.NonNeg())
    dense.build((None, 2))
    dense.set_weights([np.array([[1.0, -2.0], [0.0, 3.0]]), np.array([1.0, -1.0])])
    penalties = [float(p) for p in dense.losses]
    assert penalties == pytest.approx([0.5 * 14.0, 0.01 * 2.0])
    opt = fastnn.optimizers.SGD(0.0)
    opt.apply_gradients(zip([np.zeros((2, 2)), np.zeros(2)], dense.trainable_weights))
    assert (dense.kernel.numpy() >= 0).all()  # the constraint is applied after the step


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.Dense(0), ValueError, "units=0"),
    (lambda: layers.Dense("10"), ValueError, "units='10'"),
    (lambda: layers.Dense(3, activation="gelu_nope"), ValueError, "gelu_nope"),
    (lambda: layers.Conv2D(4, 3, padding="full"), ValueError, "padding='full'"),
    (lambda: layers.Conv2D(4, 0), ValueError, "kernel_size"),
    (lambda: layers.Conv2D(4, 3, data_format="channels_first"), ValueError, "channels_last"),
    (lambda: layers.Dropout(1.5), ValueError, "rate=1.5"),
    (lambda: layers.MaxPool2D(0), ValueError, "pool_size"),
    (lambda: layers.Reshape((-1, -1)), ValueError, "target_shape"),
    (lambda: layers.Dense(3, kernel_initializer="nope"), ValueError, "nope"),
    (lambda: layers.Dense(3, unknown_arg=1), TypeError, "unknown_arg"),
    (lambda: layers.LeakyReLU(-1.0), ValueError, "negative_slope"),
    (lambda: layers.ReLU(threshold=-0.5), ValueError, "threshold=-0.5"),
])
def test_bad_constructor_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()(np.ones((1, 4, 4, 2), np.float32))


def test_bad_inputs_and_weights():
    dense = layers.Dense(2)
    dense(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected last axis 3, received shape \(1, 4\)"):
        dense(np.ones((1, 4), np.float32))
    with pytest.raises(ValueError, match="expects 2 weights"):
        dense.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*\(2, 3\)"):
        dense.set_weights([np.ones((2, 3)), np.ones(2)])
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()
    with pytest.raises(ValueError, match="batch, height, width, channels"):
        layers.Conv2D(2, 3)(np.ones((4, 4, 1), np.float32))
