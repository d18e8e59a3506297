"""layers.Lambda against keras.layers.Lambda: the siamese example's distance layer (two inputs), output_shape as a
tuple or a callable, `arguments`, `training` passed through, gradients, and the errors."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import layers

R = np.random.default_rng(11)
A = R.standard_normal((5, 4)).astype(np.float32)
B = R.standard_normal((5, 4)).astype(np.float32)


def _euclidean_distance(M):
    def distance(vects):  # keras.io's siamese_contrastive example
        x, y = vects
        sum_square = M.math.reduce_sum(M.math.square(x - y), axis=1, keepdims=True)
        return M.math.sqrt(M.math.maximum(sum_square, 1e-7))
    return distance


def test_a_two_input_lambda_in_a_functional_model_matches_keras(tf):
    import keras

    results = []
    for M, K in ((fastnn, fastnn), (tf, keras)):
        a, b = K.Input((4,)), K.Input((4,))
        out = K.layers.Lambda(_euclidean_distance(M))([a, b])
        results.append((tuple(out.shape), K.Model([a, b], out).predict([A, B], verbose=0)))
    assert results[0][0] == results[1][0] == (None, 1)
    assert_close_scaled(results[0][1], results[1][1], tol=1e-6)


def test_gradients_flow_through_a_lambda(tf):
    grads = []
    for M, K in ((fastnn, fastnn), (tf, tf.keras)):
        x = M.Variable(A)
        layer = K.layers.Lambda(lambda t, scale, M=M: M.tanh(t) * scale, arguments={"scale": 3.0})
        with M.GradientTape() as tape:
            y = M.reduce_sum(layer(x))
        grads.append(np.asarray(tape.gradient(y, x)))
    assert_close_scaled(grads[0], grads[1], tol=1e-6)


def test_output_shape_tuple_or_callable_and_training():
    x = fastnn.Input((6,))
    assert layers.Lambda(lambda t: t[:, :2], output_shape=(2,))(x).shape == (None, 2)
    assert layers.Lambda(lambda t: t[:, :3], output_shape=lambda s: (s[0], 3))(x).shape == (None, 3)
    seen = []
    layer = layers.Lambda(lambda t, training=None: seen.append(training) or t)
    layer(A, training=True)
    assert seen[-1] is True


def test_lambda_errors():
    with pytest.raises(TypeError, match="Received: function=3"):
        layers.Lambda(3)
    with pytest.raises(TypeError, match="Received: output_shape=5"):
        layers.Lambda(lambda t: t, output_shape=5)
    with pytest.raises(ValueError, match="Received: mask="):
        layers.Lambda(lambda t: t, mask=lambda t, m: m)
    with pytest.raises(TypeError, match="Received: arguments="):
        layers.Lambda(lambda t: t, arguments=[1])
    with pytest.raises(TypeError, match="does not save"):
        layers.Lambda(lambda t: t).get_config()
