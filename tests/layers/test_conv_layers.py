"""The convolution-family layers (issue 16 item 1) vs their Keras twins given the same weights, on every ISA path:
outputs and the input and weight gradients through the two tapes; then Keras' configs, parameter counts,
weight files moving both ways, and argument errors."""
import numpy as np
import pytest
from tolerances import assert_close_scaled, max_errors

import fastnn
from fastnn import layers

R = np.random.default_rng(23)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


CASES = {  # name -> (class name, kwargs, input)
    "convT_valid": ("Conv2DTranspose", {"filters": 4, "kernel_size": 3}, f32(2, 5, 5, 3)),
    "convT_same_strided_relu": ("Conv2DTranspose", {"filters": 3, "kernel_size": (3, 2), "strides": 2,
                                                     "padding": "same", "activation": "relu"}, f32(2, 4, 5, 2)),
    "convT_valid_output_padding_tanh": ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2,
                                                            "output_padding": 1, "activation": "tanh"},
                                        f32(1, 4, 3, 3)),
    "convT_same_output_padding": ("Conv2DTranspose", {"filters": 5, "kernel_size": 4, "strides": (2, 3),
                                                      "padding": "same", "output_padding": (1, 2)}, f32(2, 3, 4, 2)),
    "convT_dilated_nobias_sigmoid": ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                                                         "padding": "same", "use_bias": False,
                                                         "activation": "sigmoid"}, f32(1, 6, 6, 3)),
    "conv1d_valid": ("Conv1D", {"filters": 4, "kernel_size": 3}, f32(2, 10, 3)),
    "conv1d_causal_dilated_relu": ("Conv1D", {"filters": 3, "kernel_size": 2, "padding": "causal",
                                              "dilation_rate": 2, "activation": "relu"}, f32(2, 9, 4)),
    "conv1d_same_strided_swish": ("Conv1D", {"filters": 5, "kernel_size": 4, "strides": 2, "padding": "same",
                                             "activation": "swish"}, f32(2, 11, 2)),
    "depthwise_valid": ("DepthwiseConv2D", {"kernel_size": 3}, f32(2, 7, 7, 4)),
    "depthwise_multiplier_same_strided_relu": ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2,
                                                                   "padding": "same", "depth_multiplier": 2,
                                                                   "activation": "relu"}, f32(2, 8, 7, 20)),
    "depthwise_dilated_tanh_nobias": ("DepthwiseConv2D", {"kernel_size": (3, 2), "dilation_rate": 2,
                                                          "padding": "same", "activation": "tanh",
                                                          "use_bias": False}, f32(1, 9, 9, 17)),
    "separable_same_relu": ("SeparableConv2D", {"filters": 5, "kernel_size": 3, "padding": "same",
                                                "depth_multiplier": 2, "activation": "relu"}, f32(2, 6, 6, 3)),
    "separable_strided_softmax": ("SeparableConv2D", {"filters": 4, "kernel_size": 2, "strides": 2,
                                                      "activation": "softmax"}, f32(2, 7, 6, 6)),
    "zero_padding": ("ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, f32(2, 3, 4, 2)),
    "zero_padding_default": ("ZeroPadding2D", {}, f32(1, 2, 2, 3)),
    "cropping": ("Cropping2D", {"cropping": ((1, 2), (0, 1))}, f32(2, 6, 5, 3)),
    "cropping_symmetric": ("Cropping2D", {"cropping": (1, 2)}, f32(1, 5, 6, 2)),
    "upsampling_nearest": ("UpSampling2D", {"size": (2, 3)}, f32(2, 3, 4, 2)),
    "upsampling_bilinear": ("UpSampling2D", {"size": 2, "interpolation": "bilinear"}, f32(2, 4, 5, 3)),
    "upsampling_bilinear_odd": ("UpSampling2D", {"size": (3, 2), "interpolation": "bilinear"}, f32(1, 3, 1, 2)),
    "maxpool1d": ("MaxPooling1D", {}, f32(2, 9, 3)),
    "maxpool1d_same": ("MaxPool1D", {"pool_size": 3, "strides": 2, "padding": "same"}, f32(2, 8, 4)),
    "avgpool1d_same": ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, f32(2, 8, 4)),
    "global_max_1d": ("GlobalMaxPooling1D", {}, f32(2, 7, 3)),
    "global_max_2d_keepdims": ("GlobalMaxPooling2D", {"keepdims": True}, f32(2, 4, 5, 3)),
    "global_avg_1d_keepdims": ("GlobalAveragePooling1D", {"keepdims": True}, f32(2, 7, 3)),
    "global_avg_2d": ("GlobalAveragePooling2D", {}, f32(2, 4, 5, 3)),
}


def compare_with_keras(name, tf, report=None):
    cls, kwargs, x = CASES[name]
    theirs = getattr(tf.keras.layers, cls)(**kwargs)
    ours = getattr(layers, cls)(**kwargs)
    theirs(x)
    ours(x)
    expected_weights = theirs.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in expected_weights]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights(expected_weights)
    xv, txv = fastnn.Variable(x), tf.Variable(x)
    with fastnn.GradientTape() as tape:
        y = ours(xv)
    with tf.GradientTape() as tf_tape:
        ty = theirs(txv)
    assert y.shape == tuple(ty.shape) == ours.compute_output_shape(x.shape)
    assert_close_scaled(y.numpy(), ty.numpy(), tol=2e-6, err_msg=f"{name} output")
    errors = [max_errors(y.numpy(), ty.numpy())[0]]
    seed = f32(*y.shape)
    grads = tape.gradient(y, [xv] + ours.trainable_weights, output_gradients=seed)
    expected = tf_tape.gradient(ty, [txv] + theirs.trainable_weights, output_gradients=tf.constant(seed))
    for i, (g, e) in enumerate(zip(grads, expected)):
        e = tf.convert_to_tensor(e).numpy()
        assert_close_scaled(g.numpy(), e, err_msg=f"{name} gradient {i}")
        errors.append(max_errors(g.numpy(), e)[0])
    if report is not None:
        report[name] = errors


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_matches_keras_on_every_isa(name, isa, tf):
    compare_with_keras(name, tf)


CONFIG_CASES = [name for name in sorted(CASES) if not name.startswith("upsampling_bilinear_odd")]


@pytest.mark.parametrize("name", CONFIG_CASES)
def test_config_matches_keras_and_round_trips(name, tf):
    cls, kwargs, x = CASES[name]
    ours = getattr(layers, cls)(**kwargs)
    theirs = getattr(tf.keras.layers, cls)(**kwargs)
    config, keras_config = ours.get_config(), theirs.get_config()
    for key, value in config.items():
        if key in ("name", "dtype", "trainable"):
            continue
        assert key in keras_config, f"{cls} config key {key!r} is not Keras'"
        expected = keras_config[key]
        if isinstance(expected, dict) and "class_name" in expected:  # serialized objects: compare the class
            assert (value["class_name"] if isinstance(value, dict) else value).lower().replace("_", "") == \
                expected["class_name"].lower(), key
        elif key == "activation" and (value, expected) == ("swish", "silu"):
            continue  # the same function; fastnn's activations.serialize keeps the alias the user gave
        else:
            assert value == expected or (isinstance(value, tuple) and list(value) == list(expected)), \
                f"{cls}.{key}: {value!r} != Keras' {expected!r}"
    clone = type(ours).from_config(config)
    assert clone.get_config() == config
    ours(x)
    clone(x)
    clone.set_weights(ours.get_weights())
    np.testing.assert_array_equal(clone(x).numpy(), ours(x).numpy())


def _model(M, with_input=True):
    L = M.layers
    return M.Sequential([
        L.Input((12, 12, 3)),
        L.ZeroPadding2D(1),
        L.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"),
        L.SeparableConv2D(8, 3, padding="same", depth_multiplier=2),
        L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1),
        L.Cropping2D(((1, 2), (2, 1))),
        L.UpSampling2D(2, interpolation="bilinear"),
        L.MaxPooling2D(4),
        L.Reshape((-1, 4)),
        L.Conv1D(6, 3, padding="causal"),
        L.MaxPooling1D(2),
        L.AveragePooling1D(2, padding="same"),
        L.GlobalAveragePooling1D(keepdims=True),
        L.Flatten(),
        L.Dense(3),
    ])


def test_summary_param_counts_and_weight_files_both_ways(tf, tmp_path):
    ours, theirs = _model(fastnn), _model(tf.keras)
    assert ours.count_params() == theirs.count_params()
    assert [layer.count_params() for layer in ours.layers] == [layer.count_params() for layer in theirs.layers]
    lines = []
    ours.summary(print_fn=lines.append)
    assert f"{theirs.count_params():,}" in "\n".join(lines)
    x = f32(2, 12, 12, 3)
    theirs.save_weights(str(tmp_path / "keras.weights.h5"))
    ours.load_weights(tmp_path / "keras.weights.h5")
    assert_close_scaled(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), tol=2e-6)
    fresh = _model(fastnn)
    fresh.save_weights(tmp_path / "fastnn.weights.h5")
    twin = _model(tf.keras)
    twin.load_weights(str(tmp_path / "fastnn.weights.h5"))
    assert_close_scaled(twin.predict(x, verbose=0), fresh.predict(x, verbose=0), tol=2e-6)


def test_global_pooling_model_round_trips_through_fastnn_save(tmp_path):
    model = fastnn.Sequential([layers.Input((8, 8, 2)), layers.SeparableConv2D(4, 3, activation="relu"),
                               layers.DepthwiseConv2D(2, use_bias=False), layers.Conv2DTranspose(3, 2, strides=2),
                               layers.GlobalMaxPooling2D(), layers.Dense(2)])
    x = f32(3, 8, 8, 2)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = fastnn.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]


def test_conv1d_causal_output_never_sees_the_future():
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = f32(1, 10, 3)
    y = layer(x).numpy()
    x2 = x.copy()
    x2[:, 6:] += 1.0  # change the future of step 5
    np.testing.assert_array_equal(layer(x2).numpy()[:, :6], y[:, :6])


def test_keras_defaults():
    assert layers.Conv2DTranspose(2, 3).padding == "valid" and layers.Conv2DTranspose(2, 3).output_padding is None
    assert layers.MaxPooling1D().pool_size == (2,) and layers.MaxPooling1D().strides == (2,)
    assert layers.MaxPooling1D(3, 1).strides == (1,)
    assert layers.ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert layers.UpSampling2D().size == (2, 2) and layers.UpSampling2D().interpolation == "nearest"
    assert layers.DepthwiseConv2D(3).depth_multiplier == 1
    assert layers.GlobalAveragePooling2D().keepdims is False


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Conv2DTranspose(0, 3), "filters=0"),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: layers.Conv2DTranspose(2, 3, padding="causal"), "padding='causal'"),
    (lambda: layers.Conv1D(2, 0), "kernel_size=0"),
    (lambda: layers.Conv1D(2, 3, groups=2), "groups=2"),
    (lambda: layers.Conv1D(2, 3, padding="full"), "padding='full'"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier=0"),
    (lambda: layers.SeparableConv2D(-1, 3), "filters=-1"),
    (lambda: layers.DepthwiseConv2D(3, data_format="channels_first"), "channels_last"),
    (lambda: layers.ZeroPadding2D((1, 2, 3)), r"padding=\(1, 2, 3\)"),
    (lambda: layers.Cropping2D(-1), "cropping=-1"),
    (lambda: layers.UpSampling2D(interpolation="bicubic"), "interpolation='bicubic'"),
    (lambda: layers.UpSampling2D(0), "size"),
    (lambda: layers.MaxPooling1D(0), "pool_size=0"),
    (lambda: layers.AveragePooling1D(2, padding="causal"), "padding='causal'"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("layer, shape, message", [
    (lambda: layers.Conv2DTranspose(2, 3), (4, 4, 1), "batch, height, width, channels"),
    (lambda: layers.Conv1D(2, 3), (4, 4, 1, 1), "batch, steps, channels"),
    (lambda: layers.DepthwiseConv2D(3), (4, 4, 1), "batch, height, width, channels"),
    (lambda: layers.Cropping2D(2), (1, 4, 4, 1), "cropping"),
    (lambda: layers.GlobalAveragePooling2D(), (1, 4, 4), "rank 4"),
    (lambda: layers.MaxPooling1D(), (1, 4, 4, 1), "batch, steps, channels"),
])
def test_bad_inputs(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer()(np.ones(shape, np.float32))
