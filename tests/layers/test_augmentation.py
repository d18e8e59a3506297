"""Augmentation layers: with a fixed factor (lower == upper) the transform is deterministic and must equal
Keras' (TF's projective resampler: fill modes, bilinear/nearest); random factors stay in range; inference is the
identity."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import layers

R = np.random.default_rng(12)
IMAGES = R.random((3, 9, 11, 2)).astype(np.float32)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("kind, kwargs", [
    ("RandomRotation", {"factor": (0.07, 0.07)}),
    ("RandomRotation", {"factor": (-0.3, -0.3)}),
    ("RandomTranslation", {"height_factor": (0.23, 0.23), "width_factor": (-0.31, -0.31)}),
    ("RandomZoom", {"height_factor": (0.4, 0.4)}),
    ("RandomZoom", {"height_factor": (-0.3, -0.3), "width_factor": (0.2, 0.2)}),
])
def test_fixed_transforms_match_keras(kind, kwargs, fill_mode, interpolation, tf):
    extra = {"fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 0.5}
    ours = getattr(layers, kind)(**kwargs, **extra)
    theirs = getattr(tf.keras.layers, kind)(**kwargs, **extra)
    got = ours(IMAGES, training=True).numpy()
    want = theirs(IMAGES, training=True).numpy()
    if interpolation == "nearest":  # a coordinate a float32 ulp from .5 may round the other way
        assert np.mean(np.abs(got - want) > 1e-5) < 0.01
    else:
        assert_close_scaled(got, want, tol=2e-5, err_msg=f"{kind} {fill_mode} {interpolation}")


def test_inference_is_identity_and_shapes_are_kept():
    for layer in (layers.RandomFlip(), layers.RandomRotation(0.2), layers.RandomTranslation(0.1, 0.1),
                  layers.RandomZoom(0.2)):
        assert layer(IMAGES).numpy() is IMAGES or np.array_equal(layer(IMAGES).numpy(), IMAGES)
        assert layer(IMAGES, training=True).shape == IMAGES.shape
        assert layer(IMAGES[0], training=True).shape == IMAGES[0].shape


def test_flip_and_exact_quarter_turn():
    flips = layers.RandomFlip("horizontal", seed=3)(np.repeat(IMAGES[:1], 64, axis=0), training=True).numpy()
    same = np.all(flips == IMAGES[:1], axis=(1, 2, 3))
    mirrored = np.all(flips == IMAGES[:1, :, ::-1], axis=(1, 2, 3))
    assert (same | mirrored).all() and 10 < mirrored.sum() < 54
    square = R.random((1, 7, 7, 1)).astype(np.float32)
    turned = layers.RandomRotation((0.25, 0.25), interpolation="nearest")(square, training=True).numpy()
    np.testing.assert_allclose(turned[0, :, :, 0], np.rot90(square[0, :, :, 0]), atol=1e-6)


def test_augmentation_inside_a_model_trains():
    model = fastnn.Sequential([layers.Input((9, 11, 2)), layers.RandomFlip(), layers.RandomRotation(0.05),
                               layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(IMAGES, np.array([0, 1, 0]), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), model.predict(IMAGES, verbose=0))


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomFlip("diagonal"), "unknown mode"),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
    (lambda: layers.RandomZoom(0.1, interpolation="cubic"), "interpolation"),
    (lambda: layers.RandomTranslation((0.3, 0.1), 0.1), "lower bound"),
    (lambda: layers.RandomZoom((-1.5, 0.0)), ">= -1"),
    (lambda: layers.RandomRotation("big"), "factor"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
