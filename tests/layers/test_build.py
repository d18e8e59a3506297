"""`build()` called directly leaves a layer built (issue 13): build -> set_weights(known values) -> call gives the
numpy-computed output of those weights, and the weight count stays. Every public layer class of fastnn.layers is
enumerated, so a new layer without a case here fails `test_every_public_layer_class_has_a_case`."""
import inspect

import numpy as np
import pytest
from references import rnn_reference

import fastnn
from fastnn import layers

R = np.random.default_rng(3)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def relu(z):
    return np.maximum(z, 0)


def conv2d_valid(x, w):
    kh, kw = w.shape[:2]
    out = np.zeros((x.shape[0], x.shape[1] - kh + 1, x.shape[2] - kw + 1, w.shape[3]), np.float64)
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = np.tensordot(x[:, i:i + kh, j:j + kw], w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def pool(x, reduce):
    n, h, w, c = x.shape
    return reduce(x[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c), axis=(2, 4))


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


X2, Y2 = f32(3, 4), f32(3, 4)
IMG = f32(2, 5, 5, 3)
DENSE_W = [f32(4, 2), f32(2)]
CONV_W = [f32(3, 3, 3, 2), f32(2)]

# class name -> (make layer, input, weights to set, expected output as a function of the input and the weights)
CASES = {
    "Dense": (lambda: layers.Dense(2, activation="relu"), X2, DENSE_W, lambda x, w: relu(x @ w[0] + w[1])),
    "Conv2D": (lambda: layers.Conv2D(2, 3), IMG, CONV_W, lambda x, w: conv2d_valid(x, w[0]) + w[1]),
    "MaxPooling2D": (lambda: layers.MaxPooling2D(), IMG, [], lambda x, w: pool(x, np.max)),
    "MaxPool2D": (lambda: layers.MaxPool2D(), IMG, [], lambda x, w: pool(x, np.max)),
    "AveragePooling2D": (lambda: layers.AveragePooling2D(), IMG, [], lambda x, w: pool(x, np.mean)),
    "AvgPool2D": (lambda: layers.AvgPool2D(), IMG, [], lambda x, w: pool(x, np.mean)),
    "Flatten": (lambda: layers.Flatten(), IMG, [], lambda x, w: x.reshape(len(x), -1)),
    "Reshape": (lambda: layers.Reshape((2, 2)), X2, [], lambda x, w: x.reshape(len(x), 2, 2)),
    "Activation": (lambda: layers.Activation("tanh"), X2, [], lambda x, w: np.tanh(x)),
    "ReLU": (lambda: layers.ReLU(), X2, [], lambda x, w: relu(x)),
    "LeakyReLU": (lambda: layers.LeakyReLU(0.2), X2, [], lambda x, w: np.where(x > 0, x, 0.2 * x)),
    "Softmax": (lambda: layers.Softmax(), X2, [], lambda x, w: softmax(x)),
    "Dropout": (lambda: layers.Dropout(0.5), X2, [], lambda x, w: x),  # inference: the identity
    "Add": (lambda: layers.Add(), [X2, Y2], [], lambda x, w: x[0] + x[1]),
    "Subtract": (lambda: layers.Subtract(), [X2, Y2], [], lambda x, w: x[0] - x[1]),
    "Multiply": (lambda: layers.Multiply(), [X2, Y2], [], lambda x, w: x[0] * x[1]),
    "Average": (lambda: layers.Average(), [X2, Y2], [], lambda x, w: (x[0] + x[1]) / 2),
    "Maximum": (lambda: layers.Maximum(), [X2, Y2], [], lambda x, w: np.maximum(x[0], x[1])),
    "Minimum": (lambda: layers.Minimum(), [X2, Y2], [], lambda x, w: np.minimum(x[0], x[1])),
    "Concatenate": (lambda: layers.Concatenate(), [X2, Y2], [], lambda x, w: np.concatenate(x, -1)),
    "RandomFlip": (lambda: layers.RandomFlip(), IMG, [], lambda x, w: x),  # augmentation: identity at inference
    "RandomRotation": (lambda: layers.RandomRotation(0.2), IMG, [], lambda x, w: x),
    "RandomTranslation": (lambda: layers.RandomTranslation(0.2, 0.2), IMG, [], lambda x, w: x),
    "RandomZoom": (lambda: layers.RandomZoom(0.2), IMG, [], lambda x, w: x),
    "Layer": (lambda: layers.Layer(), X2, [], lambda x, w: x),
    "InputLayer": (lambda: layers.InputLayer(shape=(4,)), X2, [], lambda x, w: x),
    "BatchNormalization": (lambda: layers.BatchNormalization(), X2, [f32(4), f32(4), f32(4), f32(4) ** 2 + 0.5],
                           lambda x, w: (x - w[2]) / np.sqrt(w[3] + 1e-3) * w[0] + w[1]),  # inference
    "LayerNormalization": (lambda: layers.LayerNormalization(), X2, [f32(4), f32(4)],
                           lambda x, w: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
                           * w[0] + w[1]),
    "Normalization": (lambda: layers.Normalization(), X2, [f32(4), f32(4) ** 2 + 0.5, np.int64(5)],
                      lambda x, w: (x - w[0]) / np.sqrt(w[1])),
    "Rescaling": (lambda: layers.Rescaling(2.0, 1.0), X2, [], lambda x, w: 2 * x + 1),
    "GaussianNoise": (lambda: layers.GaussianNoise(0.1), X2, [], lambda x, w: x),  # inference: the identity
    "SpatialDropout2D": (lambda: layers.SpatialDropout2D(0.5), IMG, [], lambda x, w: x),
    "ActivityRegularization": (lambda: layers.ActivityRegularization(l1=0.1), X2, [], lambda x, w: x),
    "Lambda": (lambda: layers.Lambda(lambda t: t * 2.0), X2, [], lambda x, w: x * 2.0),
}


# --- the convolution family (issue 16 item 1)
def conv2d_transpose_valid(x, w):
    kh, kw = w.shape[:2]
    out = np.zeros((x.shape[0], x.shape[1] + kh - 1, x.shape[2] + kw - 1, w.shape[2]), np.float64)
    for i in range(kh):
        for j in range(kw):
            out[:, i:i + x.shape[1], j:j + x.shape[2]] += x @ w[i, j].T
    return out


def depthwise_valid(x, w):  # w [kh, kw, c, 1]
    kh, kw = w.shape[:2]
    out = np.zeros((x.shape[0], x.shape[1] - kh + 1, x.shape[2] - kw + 1, x.shape[3]), np.float64)
    for i in range(kh):
        for j in range(kw):
            out += x[:, i:i + out.shape[1], j:j + out.shape[2]] * w[i, j, :, 0]
    return out


SEQ = f32(2, 6, 3)
CONV_T_W = [f32(3, 3, 2, 3), f32(2)]
CONV1D_W = [f32(3, 3, 2), f32(2)]
DEPTHWISE_W = [f32(3, 3, 3, 1), f32(3)]
SEPARABLE_W = [f32(3, 3, 3, 1), f32(1, 1, 3, 2), f32(2)]
CONV_FAMILY = {
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(2, 3), IMG, CONV_T_W,
                        lambda x, w: conv2d_transpose_valid(x, w[0]) + w[1]),
    "Conv1D": (lambda: layers.Conv1D(2, 3), SEQ, CONV1D_W,
               lambda x, w: conv2d_valid(x[:, None], w[0][None])[:, 0] + w[1]),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(3), IMG, DEPTHWISE_W,
                        lambda x, w: depthwise_valid(x, w[0]) + w[1]),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(2, 3), IMG, SEPARABLE_W,
                        lambda x, w: depthwise_valid(x, w[0]) @ w[1][0, 0] + w[2]),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(1), IMG, [],
                      lambda x, w: np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))),
    "Cropping2D": (lambda: layers.Cropping2D(1), IMG, [], lambda x, w: x[:, 1:-1, 1:-1]),
    "UpSampling2D": (lambda: layers.UpSampling2D(2), IMG, [], lambda x, w: x.repeat(2, 1).repeat(2, 2)),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(), SEQ, [], lambda x, w: x.reshape(2, 3, 2, 3).max(2)),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(), SEQ, [], lambda x, w: x.reshape(2, 3, 2, 3).mean(2)),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(), SEQ, [], lambda x, w: x.max(1)),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(), SEQ, [], lambda x, w: x.mean(1)),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(), IMG, [], lambda x, w: x.max((1, 2))),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(keepdims=True), IMG, [],
                               lambda x, w: x.mean((1, 2), keepdims=True)),
}
for alias, name in [("Convolution1D", "Conv1D"), ("SeparableConvolution2D", "SeparableConv2D"),
                    ("MaxPool1D", "MaxPooling1D"), ("AvgPool1D", "AveragePooling1D"),
                    ("GlobalMaxPool1D", "GlobalMaxPooling1D"), ("GlobalAvgPool1D", "GlobalAveragePooling1D"),
                    ("GlobalMaxPool2D", "GlobalMaxPooling2D"), ("GlobalAvgPool2D", "GlobalAveragePooling2D")]:
    CONV_FAMILY[alias] = CONV_FAMILY[name]
CASES.update(CONV_FAMILY)

# --- activation layers (issue 16 item 4)
CASES.update({
    "ELU": (lambda: layers.ELU(0.5), X2, [], lambda x, w: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0)))),
    "PReLU": (lambda: layers.PReLU(), X2, [f32(4)], lambda x, w: np.where(x >= 0, x, w[0] * x)),
})

# --- Embedding and TimeDistributed (issue 16 item 3)
IDS = np.array([[1, 0, 4], [3, 3, 2]])
CASES["Embedding"] = (lambda: layers.Embedding(5, 2), IDS, [f32(5, 2)], lambda x, w: w[0][x])
CASES["TimeDistributed"] = (lambda: layers.TimeDistributed(layers.Dense(2)), SEQ, [f32(3, 2), f32(2)],
                            lambda x, w: x @ w[0] + w[1])

# --- recurrent layers (issue 16 item 3): the last step's state, from the float64 step-by-step reference
RNN_W = {"SimpleRNN": [f32(3, 2), f32(2, 2), f32(2)], "LSTM": [f32(3, 8), f32(2, 8), f32(8)],
         "GRU": [f32(3, 6), f32(2, 6), f32(2, 6)]}
for _name, _cell in (("SimpleRNN", "simple"), ("LSTM", "lstm"), ("GRU", "gru")):
    CASES[_name] = (lambda name=_name: getattr(layers, name)(2), SEQ, RNN_W[_name],
                    lambda x, w, cell=_cell: rnn_reference(cell, x, *w)[1])
CASES["Bidirectional"] = (lambda: layers.Bidirectional(layers.LSTM(2)), SEQ, RNN_W["LSTM"] + [f32(3, 8), f32(2, 8),
                                                                                              f32(8)],
                          lambda x, w: np.concatenate([rnn_reference("lstm", x, *w[:3])[1],
                                                       rnn_reference("lstm", x, *w[3:], go_backwards=True)[1]], -1))
CASES["Masking"] = (lambda: layers.Masking(), SEQ, [], lambda x, w: x)  # no all-zero step: nothing masked


def public_layer_classes():
    return sorted(name for name in layers.__all__
                  if inspect.isclass(getattr(layers, name)) and issubclass(getattr(layers, name), layers.Layer))


def shape_of(x):
    return [a.shape for a in x] if isinstance(x, list) else x.shape


def test_every_public_layer_class_has_a_case():
    assert set(public_layer_classes()) == set(CASES)


@pytest.mark.parametrize("name", public_layer_classes())
def test_build_then_set_weights_then_call_uses_those_weights(name):
    make, x, weights, expected = CASES[name]
    layer = make()
    assert isinstance(layer, getattr(layers, name))
    layer.build(shape_of(x))
    assert layer.built
    assert len(layer.weights) == len(weights)
    layer.set_weights(weights)
    out = layer(x)
    np.testing.assert_allclose(np.asarray(out), expected(x, weights), rtol=1e-5, atol=1e-5)
    assert len(layer.weights) == len(weights)  # the call did not build again
    for w, value in zip(layer.weights, weights):
        np.testing.assert_array_equal(w.numpy(), value)


def test_a_custom_layer_chaining_super_build_is_built_once():
    class Scale(layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)
            self.scale = self.add_weight((), "ones", name="scale")

        def call(self, inputs):
            return super().call(inputs) * self.scale

    layer = Scale(2)
    layer.build((None, 4))
    assert layer.built and len(layer.weights) == 3
    layer.set_weights(DENSE_W + [np.float32(3)])
    np.testing.assert_allclose(np.asarray(layer(X2)), 3 * (X2 @ DENSE_W[0] + DENSE_W[1]), rtol=1e-5)
    assert len(layer.weights) == 3


def test_a_failing_build_leaves_the_layer_unbuilt():
    class Picky(layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)  # marks nothing: only the outermost build does
            if input_shape[-1] != 4:
                raise ValueError(f"Picky needs 4 features, received {input_shape}")

    layer = Picky(2)
    with pytest.raises(ValueError, match="needs 4 features"):
        layer.build((None, 3))
    assert not layer.built


def test_build_records_the_build_shape():
    layer = layers.Dense(2)
    layer.build((None, 4))
    assert layer._build_shape == (None, 4)


class TwoDense(fastnn.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(2, activation="relu")
        self.out = layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


MODEL_W = [f32(4, 2), f32(2), f32(2, 1), f32(1)]


def two_dense(x, w):
    return relu(x @ w[0] + w[1]) @ w[2] + w[3]


@pytest.mark.parametrize("kind", ["sequential", "subclassed"])
def test_model_build_then_set_weights_then_call(kind):
    model = TwoDense() if kind == "subclassed" else fastnn.Sequential([layers.Dense(2, activation="relu"),
                                                                       layers.Dense(1)])
    model.build((None, 4))
    assert model.built and len(model.weights) == 4
    model.set_weights(MODEL_W)
    np.testing.assert_allclose(np.asarray(model(X2)), two_dense(X2, MODEL_W), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(X2, verbose=0), two_dense(X2, MODEL_W), rtol=1e-5, atol=1e-6)
    assert len(model.weights) == 4
    assert model.count_params() == 4 * 2 + 2 + 2 + 1


def test_subclassed_model_build_needs_a_shape():
    with pytest.raises(ValueError, match=r"cannot be built without an input shape"):
        TwoDense().build()


def test_subclassed_model_called_on_data_runs_call_once():
    calls = []

    class Counting(TwoDense):
        def call(self, x):
            calls.append(x.shape)
            return super().call(x)

    Counting()(X2)
    assert calls == [X2.shape]  # no extra build pass before the first call
