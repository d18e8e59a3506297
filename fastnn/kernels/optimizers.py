"""fastnn.kernels.optimizers — fused in-place optimizer steps with Keras 3's exact float32 operation order
(`keras.optimizers.SGD`, `Adam`, `RMSprop`, `Adagrad`, `Nadam`, `Adamax`, `Lion`, `Adadelta`, TensorFlow backend).

`var` and every state array (velocity, m, v, ...) are updated IN PLACE, so they must be writeable, C-contiguous
float32 numpy arrays of `var`'s shape: anything else is refused (a converted copy would silently not be
updated). `grad` may be any real array-like of `var`'s shape; it is converted and never modified.
"""
from __future__ import annotations

import math
import numbers
import types as _types

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from ._convert import as_f32

__all__ = ["sgd_update", "adam_update", "rmsprop_update", "adagrad_update", "nadam_update", "adamax_update",
           "lion_update", "adadelta_update", "nadam_u_product", "ftrl_update"]


def _require_inplace(arr, name, like=None):
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"`{name}` must be a numpy.ndarray (it is updated in place), received {type(arr).__name__}")
    if arr.dtype != np.float32:
        raise TypeError(f"`{name}` must have dtype float32 (it is updated in place), received dtype {arr.dtype}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"`{name}` must be C-contiguous (it is updated in place), received strides {arr.strides}")
    if not arr.flags.writeable:
        raise ValueError(f"`{name}` must be writeable (it is updated in place)")
    if like is not None and arr.shape != like.shape:
        raise ValueError(f"`{name}` must have the shape of `var` {like.shape}, received shape {arr.shape}")
    return arr


def _grad(grad, var):
    g = as_f32(grad, "grad")
    if var.ndim == 0 and np.ndim(grad) == 0:  # ascontiguousarray turns 0-d into shape (1,)
        g = g.reshape(())
    if g.shape != var.shape:
        raise ValueError(f"`grad` must have the shape of `var` {var.shape}, received shape {g.shape}")
    return g


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, received {value!r}")
    return float(value)


def sgd_update(var: np.ndarray, grad: ArrayLike, learning_rate: float = 0.01, momentum: float = 0.0,
               nesterov: bool = False, velocity: np.ndarray | None = None) -> None:
    """One `keras.optimizers.SGD` step in place. momentum == 0: var -= lr*grad. Otherwise
    velocity = velocity*momentum - lr*grad, then var += velocity (nesterov: var += momentum*velocity - lr*grad);
    `velocity` (zeros initially, shape of var) is then required.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        learning_rate: The step size.
        momentum: The momentum factor (0 disables it).
        nesterov: Whether to apply Nesterov momentum.
        velocity: A float32 slot of var's shape, updated in place (required when momentum > 0).

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    lr, momentum = _real(learning_rate, "learning_rate"), _real(momentum, "momentum")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"`momentum` must be a float between [0, 1], received {momentum!r}")
    if momentum != 0.0:
        if velocity is None:
            raise ValueError(f"`velocity` is required when `momentum` != 0, received momentum={momentum}")
        _require_inplace(velocity, "velocity", var)
    elif velocity is not None:
        _require_inplace(velocity, "velocity", var)
    _core.sgd_update(var, g, lr, momentum, bool(nesterov), velocity)


def adam_update(var: np.ndarray, grad: ArrayLike, m: np.ndarray, v: np.ndarray, step: int, learning_rate: float = 0.001,
                beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                vhat: np.ndarray | None = None) -> None:
    """One `keras.optimizers.Adam` step in place, t = `step` = optimizer.iterations + 1 (>= 1):
    alpha = lr*sqrt(1-beta_2^t)/(1-beta_1^t); m += (grad-m)*(1-beta_1); v += (grad²-v)*(1-beta_2);
    amsgrad: vhat = max(vhat, v) and vhat replaces v; var -= m*alpha/(sqrt(v)+epsilon).
    m, v (and vhat for amsgrad) start as zeros of var's shape.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        m: The first-moment slot (float32, var's shape), updated in place.
        v: The second-moment slot, updated in place.
        step: The 1-based step count t (`optimizer.iterations + 1`).
        learning_rate: The step size.
        beta_1: The decay rate of the first moment.
        beta_2: The decay rate of the second moment (Lion: of `m`).
        epsilon: The small constant for numerical stability.
        amsgrad: Whether to use the AMSGrad variant.
        vhat: A float32 slot of var's shape, updated in place (required with amsgrad).

    Returns:
        None: `var` and the slots are updated in place.

    Example:

    ```python
    import numpy as np
    import fastnn

    var, grad = np.ones(3, np.float32), np.full(3, 0.5, np.float32)
    m, v = np.zeros_like(var), np.zeros_like(var)
    fastnn.kernels.adam_update(var, grad, m, v, step=1, learning_rate=0.1)
    print(var)  # about [0.9 0.9 0.9]: the first step moves by learning_rate
    ```
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(m, "m", var)
    _require_inplace(v, "v", var)
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError(f"`step` must be an int (iterations + 1), received {step!r}")
    if step < 1:
        raise ValueError(f"`step` must be >= 1 (iterations + 1), received {step!r}")
    if amsgrad:
        if vhat is None:
            raise ValueError("`vhat` is required when `amsgrad` is True")
        _require_inplace(vhat, "vhat", var)
    elif vhat is not None:
        raise ValueError("`vhat` is only used when `amsgrad` is True")
    _core.adam_update(var, g, m, v, _real(learning_rate, "learning_rate"), _real(beta_1, "beta_1"),
                      _real(beta_2, "beta_2"), _real(epsilon, "epsilon"), int(step), vhat)


def rmsprop_update(var: np.ndarray, grad: ArrayLike, velocity: np.ndarray, learning_rate: float = 0.001,
                   rho: float = 0.9, epsilon: float = 1e-7, momentum: float = 0.0,
                   momentum_buf: np.ndarray | None = None, centered: bool = False,
                   average_grad: np.ndarray | None = None) -> None:
    """One `keras.optimizers.RMSprop` step in place: velocity = rho*velocity + (1-rho)*grad²;
    centered: average_grad = rho*average_grad + (1-rho)*grad, denominator = velocity - average_grad² + epsilon,
    else velocity + epsilon (epsilon inside the sqrt, as Keras); increment = lr*grad/sqrt(denominator);
    momentum > 0: momentum_buf = momentum*momentum_buf + increment, var -= momentum_buf; else var -= increment.
    All state arrays start as zeros of var's shape.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        velocity: A float32 slot of var's shape, updated in place: the running mean of grad².
        learning_rate: The step size.
        rho: The decay rate of the running averages.
        epsilon: The small constant for numerical stability.
        momentum: The momentum factor (0 disables it).
        momentum_buf: A float32 slot of var's shape, updated in place (required when momentum > 0).
        centered: Whether to divide by the centred variance.
        average_grad: A float32 slot of var's shape, updated in place (required when centered).

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(velocity, "velocity", var)
    momentum = _real(momentum, "momentum")
    if momentum < 0.0:
        raise ValueError(f"`momentum` must be >= 0, received {momentum!r}")
    if momentum > 0.0:
        if momentum_buf is None:
            raise ValueError(f"`momentum_buf` is required when `momentum` > 0, received momentum={momentum}")
        _require_inplace(momentum_buf, "momentum_buf", var)
    if centered:
        if average_grad is None:
            raise ValueError("`average_grad` is required when `centered` is True")
        _require_inplace(average_grad, "average_grad", var)
    elif average_grad is not None:
        raise ValueError("`average_grad` is only used when `centered` is True")
    _core.rmsprop_update(var, g, velocity, _real(learning_rate, "learning_rate"), _real(rho, "rho"),
                         _real(epsilon, "epsilon"), momentum, momentum_buf if momentum > 0.0 else None,
                         average_grad)


# --- Adagrad, Nadam, Adamax, Lion, Adadelta (issue 16)
def _step(step):
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError(f"`step` must be an int (iterations + 1), received {step!r}")
    if step < 1:
        raise ValueError(f"`step` must be >= 1 (iterations + 1), received {step!r}")
    return int(step)


def adagrad_update(var: np.ndarray, grad: ArrayLike, accumulator: np.ndarray, learning_rate: float = 0.001,
                   epsilon: float = 1e-7) -> None:
    """One `keras.optimizers.Adagrad` step in place: accumulator += grad²;
    var -= lr*grad/sqrt(accumulator + epsilon). `accumulator` starts at Keras' initial_accumulator_value (0.1).

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        accumulator: A float32 slot of var's shape, updated in place: the sum of grad².
        learning_rate: The step size.
        epsilon: The small constant for numerical stability.

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(accumulator, "accumulator", var)
    _core.adagrad_update(var, g, accumulator, _real(learning_rate, "learning_rate"), _real(epsilon, "epsilon"))


def nadam_u_product(step: int, beta_1: float = 0.9, start: tuple[int, float] | None = None) -> float:
    """Keras' Nadam `_u_product` after `step` steps: the float32 product of beta_1*(1 - 0.5*0.96**t), t=1..step,
    in Keras' order; `start=(done, u)` continues from the value `u` after `done` steps.

    Args:
        step: The number of steps taken.
        beta_1: The decay rate of the first moment.
        start: None, or `(done, u)`: continue from the value u after `done` steps.

    Returns:
        A float (float32 arithmetic).
    """
    step = _step(step) if step != 0 else 0
    done, u = (0, np.float32(1.0)) if start is None else (int(start[0]), np.float32(start[1]))
    b1, half, one = np.float32(_real(beta_1, "beta_1")), np.float32(0.5), np.float32(1.0)
    for t in range(done + 1, step + 1):
        # 0.96**t as TF's scalar float32 pow (the C library's powf, which double pow rounded reproduces)
        power = np.float32(math.pow(float(np.float32(0.96)), float(t)))
        u = u * b1 * (one - half * power)
    return u


def nadam_update(var: np.ndarray, grad: ArrayLike, m: np.ndarray, v: np.ndarray, step: int,
                 learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 u_product: float | None = None) -> None:
    """One `keras.optimizers.Nadam` step in place, t = `step` = iterations + 1 (>= 1). `u_product` is Keras'
    `_u_product` after this step's update (computed from `step` and `beta_1` when None):
    m += (grad-m)*(1-beta_1); v += (grad²-v)*(1-beta_2);
    m_hat = u_{t+1}*m/(1 - u_product*u_{t+1}) + (1-u_t)*grad/(1 - u_product); v_hat = v/(1 - beta_2^t);
    var -= m_hat*lr/(sqrt(v_hat) + epsilon), with u_t = beta_1*(1 - 0.5*0.96^t). m, v start as zeros.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        m: The first-moment slot (float32, var's shape), updated in place.
        v: The second-moment slot, updated in place.
        step: The 1-based step count t (`optimizer.iterations + 1`).
        learning_rate: The step size.
        beta_1: The decay rate of the first moment.
        beta_2: The decay rate of the second moment (Lion: of `m`).
        epsilon: The small constant for numerical stability.
        u_product: Keras' `_u_product` after this step, or None to compute it from `step` and `beta_1`.

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(m, "m", var)
    _require_inplace(v, "v", var)
    step = _step(step)
    beta_1 = _real(beta_1, "beta_1")
    u = nadam_u_product(step, beta_1) if u_product is None else _real(u_product, "u_product")
    _core.nadam_update(var, g, m, v, _real(learning_rate, "learning_rate"), beta_1, _real(beta_2, "beta_2"),
                       _real(epsilon, "epsilon"), step, float(u))


def adamax_update(var: np.ndarray, grad: ArrayLike, m: np.ndarray, u: np.ndarray, step: int,
                  learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                  epsilon: float = 1e-7) -> None:
    """One `keras.optimizers.Adamax` step in place, t = `step` = iterations + 1 (>= 1):
    m += (grad-m)*(1-beta_1); u = max(beta_2*u, |grad|); var -= lr*m/((1 - beta_1^t)*(u + epsilon)).
    m, u start as zeros.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        m: The first-moment slot (float32, var's shape), updated in place.
        u: The exponentially weighted infinity norm slot, updated in place.
        step: The 1-based step count t (`optimizer.iterations + 1`).
        learning_rate: The step size.
        beta_1: The decay rate of the first moment.
        beta_2: The decay rate of the second moment (Lion: of `m`).
        epsilon: The small constant for numerical stability.

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(m, "m", var)
    _require_inplace(u, "u", var)
    _core.adamax_update(var, g, m, u, _real(learning_rate, "learning_rate"), _real(beta_1, "beta_1"),
                        _real(beta_2, "beta_2"), _real(epsilon, "epsilon"), _step(step))


def lion_update(var: np.ndarray, grad: ArrayLike, m: np.ndarray, learning_rate: float = 0.001, beta_1: float = 0.9,
                beta_2: float = 0.99) -> None:
    """One `keras.optimizers.Lion` step in place: var -= lr*sign(m*beta_1 + grad*(1-beta_1));
    m = m*beta_2 + grad*(1-beta_2). m starts as zeros.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        m: The first-moment slot (float32, var's shape), updated in place.
        learning_rate: The step size.
        beta_1: The decay rate of the first moment.
        beta_2: The decay rate of the second moment (Lion: of `m`).

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(m, "m", var)
    _core.lion_update(var, g, m, _real(learning_rate, "learning_rate"), _real(beta_1, "beta_1"),
                      _real(beta_2, "beta_2"))


def adadelta_update(var: np.ndarray, grad: ArrayLike, accumulated_grad: np.ndarray, accumulated_delta: np.ndarray,
                    learning_rate: float = 0.001, rho: float = 0.95, epsilon: float = 1e-7) -> None:
    """One `keras.optimizers.Adadelta` step in place: accumulated_grad = rho*a_g + (1-rho)*grad²;
    delta = -(sqrt(accumulated_delta + epsilon)*grad/sqrt(accumulated_grad + epsilon));
    accumulated_delta = rho*a_d + (1-rho)*delta²; var += lr*delta. Both accumulators start as zeros.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient of the output `(N, OH, OW, C)`.
        accumulated_grad: A float32 slot of var's shape, updated in place: the running mean of grad².
        accumulated_delta: A float32 slot of var's shape, updated in place: the running mean of delta².
        learning_rate: The step size.
        rho: The decay rate of the running averages.
        epsilon: The small constant for numerical stability.

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(accumulated_grad, "accumulated_grad", var)
    _require_inplace(accumulated_delta, "accumulated_delta", var)
    _core.adadelta_update(var, g, accumulated_grad, accumulated_delta, _real(learning_rate, "learning_rate"),
                          _real(rho, "rho"), _real(epsilon, "epsilon"))


def ftrl_update(var: np.ndarray, grad: ArrayLike, accumulator: np.ndarray, linear: np.ndarray,
                learning_rate: float = 0.001, learning_rate_power: float = -0.5, l1: float = 0.0, l2: float = 0.0,
                l2_shrinkage: float = 0.0, beta: float = 0.0) -> None:
    """One `keras.optimizers.Ftrl` step in place, in Keras 3's float32 operation order (p = -learning_rate_power):
    g_t = grad + 2·l2_shrinkage·var; n = accumulator + grad²; linear += g_t - ((n^p - accumulator^p)/lr)·var;
    quadratic = n^p/lr + 2·(l2 + beta/(2·lr)); var = (clip(linear, -l1, l1) - linear)/quadratic;
    accumulator = n.

    Args:
        var: The variable's value: a C-contiguous float32 numpy array, updated in place.
        grad: The gradient (var's shape).
        accumulator: A float32 slot of var's shape, updated in place (starts at `initial_accumulator_value`).
        linear: A float32 slot of var's shape, updated in place (starts at zeros).
        learning_rate: The step size.
        learning_rate_power: The power (<= 0) applied to the accumulator.
        l1: L1 regularization strength (>= 0).
        l2: L2 regularization strength (>= 0).
        l2_shrinkage: L2 shrinkage regularization strength (>= 0).
        beta: The `beta` of the FTRL paper.

    Returns:
        None: `var` and the slots are updated in place.
    """
    _require_inplace(var, "var")
    g = _grad(grad, var)
    _require_inplace(accumulator, "accumulator", var)
    _require_inplace(linear, "linear", var)
    _core.ftrl_update(var, g, accumulator, linear, _real(learning_rate, "learning_rate"),
                      _real(learning_rate_power, "learning_rate_power"), _real(l1, "l1"), _real(l2, "l2"),
                      _real(l2_shrinkage, "l2_shrinkage"), _real(beta, "beta"))


# The optimizers' fast path (`fastnn.optimizers.*._update`): the C++ steps without the Python checks above, which
# cost more than a small variable's update. The Optimizer base class hands them float32 C-contiguous arrays of
# var's shape; the binding still checks shapes and writeability, so a wrong call is an error, never a crash.
unchecked = _types.SimpleNamespace(
    sgd_update=_core.sgd_update, adam_update=_core.adam_update, rmsprop_update=_core.rmsprop_update,
    adagrad_update=_core.adagrad_update, nadam_update=_core.nadam_update, adamax_update=_core.adamax_update,
    lion_update=_core.lion_update, adadelta_update=_core.adadelta_update,
    # multi-tensor forms (issue 17): vars, grads and slots as lists (slots[i]: that tensor's state arrays in the
    # single-tensor call's order, None where unused), one parallel region, bitwise equal to per-tensor calls
    sgd_update_multi=_core.sgd_update_multi, adam_update_multi=_core.adam_update_multi,
    rmsprop_update_multi=_core.rmsprop_update_multi,
    ftrl_update=_core.ftrl_update,
)
