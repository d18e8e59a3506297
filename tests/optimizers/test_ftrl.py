"""fastnn.optimizers.Ftrl vs keras.optimizers.Ftrl (issue 16): the same float32 weights and gradients give the same
weights after several steps on every ISA path — bitwise where TF's float32 pow is exact (learning_rate_power 0
and -1), within a few ULP where it is not (TF's Eigen pow differs from the correctly rounded x^0.5 in ~1/4 of
the cases) — plus names, defaults, config, slots saved/restored, and Keras' argument errors."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import optimizers

R = np.random.default_rng(17)
SHAPES = [(7, 5), (5,), (), (3, 1030)]  # tail, 0-d, more than one 1024-element block
INIT = [R.standard_normal(s).astype(np.float32) for s in SHAPES]
GRADS = [[(R.standard_normal(s) * 10.0 ** R.integers(-3, 2, s)).astype(np.float32) for s in SHAPES]
         for _ in range(5)]
for _g in GRADS[1]:
    _g.flat[::3] = 0.0

EXACT = {  # TF's pow(x, 0) and pow(x, 1) are exact: bitwise equality
    "power0": {"learning_rate": 0.1, "learning_rate_power": 0.0, "l1_regularization_strength": 0.01},
    "power1_all": {"learning_rate": 0.05, "learning_rate_power": -1.0, "initial_accumulator_value": 0.5,
                   "l1_regularization_strength": 0.02, "l2_regularization_strength": 0.1,
                   "l2_shrinkage_regularization_strength": 0.05, "beta": 0.3},
    "power0_zero_accumulator": {"learning_rate": 0.2, "learning_rate_power": 0.0, "initial_accumulator_value": 0.0,
                                "beta": 0.1},
}
CLOSE = {
    "defaults": {},
    "sqrt_l1_l2": {"learning_rate": 0.1, "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.01},
    "power_0.3": {"learning_rate": 0.05, "learning_rate_power": -0.3, "l2_shrinkage_regularization_strength": 0.1},
}


def _run(make_var, opt):
    variables = [make_var(v) for v in INIT]
    for grads in GRADS:
        opt.apply_gradients(zip(grads, variables))
    return [np.asarray(v.numpy()) for v in variables]


@pytest.mark.parametrize("name", sorted(EXACT))
def test_ftrl_matches_keras_bitwise(name, isa, tf):
    ours = _run(fastnn.Variable, optimizers.Ftrl(**EXACT[name]))
    theirs = _run(tf.Variable, tf.keras.optimizers.Ftrl(**EXACT[name]))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(CLOSE))
def test_ftrl_matches_keras_with_fractional_powers(name, isa, tf):
    ours = _run(fastnn.Variable, optimizers.Ftrl(**CLOSE[name]))
    theirs = _run(tf.Variable, tf.keras.optimizers.Ftrl(**CLOSE[name]))
    for a, b in zip(ours, theirs):
        assert_close_scaled(a, b, tol=1e-6)


def test_ftrl_names_defaults_and_config_match_keras(tf):
    ours, theirs = optimizers.Ftrl(), tf.keras.optimizers.Ftrl()
    assert isinstance(optimizers.get("ftrl"), optimizers.Ftrl) and isinstance(optimizers.get("Ftrl"), optimizers.Ftrl)
    mine, keras_config = ours.get_config(), theirs.get_config()
    assert mine["name"] == "ftrl"
    for key, value in mine.items():
        assert key in keras_config, key
        if key not in ("learning_rate", "name"):
            assert value == keras_config[key], key
    clone = optimizers.deserialize(optimizers.serialize(ours))
    assert type(clone) is optimizers.Ftrl and clone.get_config() == mine
    again = optimizers.Ftrl.from_config({**{k: keras_config[k] for k in mine}, "name": "ftrl"})
    assert again.get_config() == mine


def test_ftrl_state_is_saved_and_restored():
    kwargs = {"learning_rate": 0.1, "l1_regularization_strength": 0.01}
    straight, w1 = optimizers.Ftrl(**kwargs), fastnn.Variable(INIT[0])
    for grads in GRADS:
        straight.apply_gradients([(grads[0], w1)])
    first, w2 = optimizers.Ftrl(**kwargs), fastnn.Variable(INIT[0])
    for grads in GRADS[:2]:
        first.apply_gradients([(grads[0], w2)])
    store = {}
    first.save_own_variables(store)
    assert len(store) == 3  # iterations, accumulator, linear
    resumed = optimizers.Ftrl(**kwargs)
    resumed.build([w2])
    resumed.load_own_variables(store)
    np.testing.assert_array_equal(resumed.variables[1].numpy(), first.variables[1].numpy())
    for grads in GRADS[2:]:
        resumed.apply_gradients([(grads[0], w2)])
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())


def test_ftrl_kernel_is_bitwise_equal_for_any_thread_count():
    var0 = R.standard_normal(50_000).astype(np.float32)
    grad = R.standard_normal(50_000).astype(np.float32)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            var, acc, lin = var0.copy(), np.full_like(var0, 0.1), np.zeros_like(var0)
            fastnn.kernels.ftrl_update(var, grad, acc, lin, 0.1, -0.5, 0.01, 0.01, 0.0, 0.0)
            results.append((var, acc, lin))
    finally:
        fastnn.set_num_threads(None)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, message", [
    ({"initial_accumulator_value": -0.1},
     r"`initial_accumulator_value` needs to be positive or zero. Received: initial_accumulator_value=-0.1"),
    ({"learning_rate_power": 0.5}, r"`learning_rate_power` needs to be negative or zero. Received: "
                                   r"learning_rate_power=0.5"),
    ({"l1_regularization_strength": -1.0}, r"l1_regularization_strength=-1.0"),
    ({"l2_regularization_strength": float("nan")}, r"l2_regularization_strength=nan"),
    ({"l2_shrinkage_regularization_strength": -2}, r"l2_shrinkage_regularization_strength=-2"),
])
def test_ftrl_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.Ftrl(**kwargs)
    with pytest.raises(TypeError, match="beta"):
        optimizers.Ftrl(beta="big")
