"""Train-suite tasks: one MNIST epoch through each framework's idiomatic training path (fastnn and Keras `fit`,
a PyTorch loop), one train_on_batch step, and predict throughput — MLP 784-512-10 (RMSprop), LeNet (Adam) and
LeNet with BatchNormalization after each convolution ("lenet_bn", Adam; PyTorch BatchNorm2d with eps=1e-3 and
momentum=0.01, Keras' settings).

Every framework starts from the same weights (Keras' glorot_uniform / zeros, drawn once with numpy, converted to
PyTorch's layouts), uses Keras' optimizer settings (PyTorch: RMSprop alpha=0.9, eps=1e-7; Adam eps=1e-7) and
channels-last data. Outputs for the checks: test accuracy after one epoch from the initial weights (epoch), the
weights after one step (train_step), the predictions (predict).
"""
import zlib

import numpy as np

from .data import load_mnist

_DATA = {}


def data(model):
    flat = model == "mlp"
    if flat not in _DATA:
        _DATA[flat] = load_mnist(flat)
    if model == "lstm":  # each image as a sequence of its 28 rows of 28 pixels
        x, y, x_test, y_test = _DATA[flat]
        return x.reshape(-1, 28, 28), y, x_test.reshape(-1, 28, 28), y_test
    return _DATA[flat]


def initial_weights(model):
    """Keras-layout weights: glorot_uniform kernels, zero biases, one fixed seed per model."""
    rng = np.random.default_rng(zlib.crc32(model.encode()))

    def glorot(shape):
        receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
        fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(np.float32)

    if model == "lstm":  # LSTM(128): kernel, orthogonal recurrent kernel, bias (forget gate 1), then Dense(10)
        q, r = np.linalg.qr(rng.standard_normal((512, 128)))
        bias = np.zeros(512, np.float32)
        bias[128:256] = 1.0
        return [glorot((28, 512)), (q * np.sign(np.diag(r))).T.astype(np.float32), bias, glorot((128, 10)),
                np.zeros(10, np.float32)]
    if model == "mlp":
        shapes = [(784, 512), (512, 10)]
    else:
        shapes = [(3, 3, 1, 6), (3, 3, 6, 16), (400, 120), (120, 84), (84, 10)]
    out = []
    for s in shapes:
        out += [glorot(s), np.zeros(s[-1], np.float32)]
        if model == "lenet_bn" and len(s) == 4:  # BatchNormalization: gamma, beta, moving mean, moving variance
            c = s[-1]
            out += [np.ones(c, np.float32), np.zeros(c, np.float32), np.zeros(c, np.float32), np.ones(c, np.float32)]
    return out


def optimizer_name(model):
    return "rmsprop" if model == "mlp" else "adam"


# ------------------------------------------------------------------------------------------- Keras / fastnn
def keras_like_model(M, model):
    """The same Sequential model in fastnn (M = fastnn) or Keras (M = tf.keras)."""
    L = M.layers
    if model == "mlp":
        layers = [L.Input((784,)), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")]
    elif model == "lstm":
        layers = [L.Input((28, 28)), L.LSTM(128), L.Dense(10, activation="softmax")]
    elif model == "lenet_bn":
        layers = [L.Input((28, 28, 1)), L.Conv2D(6, 3), L.BatchNormalization(), L.MaxPooling2D(2, 2), L.ReLU(),
                  L.Conv2D(16, 3), L.BatchNormalization(), L.MaxPooling2D(), L.ReLU(), L.Flatten(),
                  L.Dense(120, activation="relu"), L.Dense(84, activation="relu"), L.Dense(10, activation="softmax")]
    else:
        layers = [L.Input((28, 28, 1)), L.Conv2D(6, 3), L.MaxPooling2D(2, 2), L.ReLU(), L.Conv2D(16, 3),
                  L.MaxPooling2D(), L.ReLU(), L.Flatten(), L.Dense(120, activation="relu"),
                  L.Dense(84, activation="relu"), L.Dense(10, activation="softmax")]
    net = M.Sequential(layers)
    net.set_weights(initial_weights(model))
    net.compile(optimizer=optimizer_name(model), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return net


def build_keras_like(M, task):
    model = task["model"]
    x, y, x_test, y_test = data(model)
    kind, batch = task["kind"], task["batch"]
    samples = task.get("samples", len(x))
    if kind == "epoch":
        net = keras_like_model(M, model)

        def epoch():
            net.fit(x[:samples], y[:samples], batch_size=batch, epochs=1, verbose=0)

        def accuracy():
            M.utils.set_random_seed(0)  # the same shuffles on every run (the accuracy varies ~±0.005 by order)
            fresh = keras_like_model(M, model)
            fresh.fit(x[:samples], y[:samples], batch_size=batch, epochs=1, verbose=0)
            return np.array([fresh.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1]])
        return epoch, accuracy
    if kind == "train_step":
        net = keras_like_model(M, model)
        xb, yb = x[:batch], y[:batch]

        def weights_after_one_step():
            fresh = keras_like_model(M, model)
            fresh.train_on_batch(xb, yb)
            return np.concatenate([w.ravel() for w in fresh.get_weights()])
        return lambda: net.train_on_batch(xb, yb), weights_after_one_step
    net = keras_like_model(M, model)
    xs = x_test[:task.get("samples", 10000)]
    fn = lambda: net.predict(xs, batch_size=batch, verbose=0)  # noqa: E731
    return fn, fn


# ------------------------------------------------------------------------------------------- PyTorch
def _torch_lstm_model(torch):
    nn = torch.nn
    w = initial_weights("lstm")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.dense = nn.LSTM(28, 128, batch_first=True), nn.Linear(128, 10)

        def forward(self, x):
            return self.dense(self.lstm(x)[0][:, -1])

    net = Net()
    with torch.no_grad():  # Keras' gates i, f, c, o are PyTorch's i, f, g, o; one bias (bias_hh zero)
        net.lstm.weight_ih_l0.copy_(torch.from_numpy(w[0].T.copy()))
        net.lstm.weight_hh_l0.copy_(torch.from_numpy(w[1].T.copy()))
        net.lstm.bias_ih_l0.copy_(torch.from_numpy(w[2]))
        net.lstm.bias_hh_l0.zero_()
        net.dense.weight.copy_(torch.from_numpy(w[3].T.copy()))
        net.dense.bias.copy_(torch.from_numpy(w[4]))
    return net, torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)


def torch_model(torch, model):
    nn = torch.nn
    if model == "lstm":
        return _torch_lstm_model(torch)
    w = initial_weights(model)
    if model == "mlp":
        net = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
        linears, convs = [net[0], net[2]], []
    elif model == "lenet_bn":
        def bn(c):
            return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
        net = nn.Sequential(nn.Conv2d(1, 6, 3), bn(6), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(6, 16, 3), bn(16),
                            nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                            nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        convs, linears = [net[0], net[4]], [net[9], net[11], net[13]]
    else:
        net = nn.Sequential(nn.Conv2d(1, 6, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(6, 16, 3), nn.MaxPool2d(2),
                            nn.ReLU(), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                            nn.Linear(84, 10))
        convs, linears = [net[0], net[3]], [net[7], net[9], net[11]]
    params = iter(w)
    with torch.no_grad():
        for conv in convs:
            conv.weight.copy_(torch.from_numpy(next(params).transpose(3, 2, 0, 1).copy()))
            conv.bias.copy_(torch.from_numpy(next(params)))
            if model == "lenet_bn":  # BatchNorm2d starts as Keras' does (ones, zeros, zeros, ones)
                for _ in range(4):
                    next(params)
        for i, linear in enumerate(linears):
            kernel = next(params)
            if model != "mlp" and i == 0:  # Keras flattens (h, w, c); PyTorch (c, h, w)
                kernel = kernel.reshape(5, 5, 16, -1).transpose(2, 0, 1, 3).reshape(400, -1)
            linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(next(params)))
    net = net.to(memory_format=torch.channels_last) if model != "mlp" else net
    opt = (torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7) if model == "mlp"
           else torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7))
    return net, opt


def _torch_inputs(torch, x):
    t = torch.from_numpy(x)
    if t.ndim == 4:  # NHWC data as a channels-last NCHW view, no copy
        t = t.permute(0, 3, 1, 2)
    return t


def build_torch(torch, task):
    model, kind, batch = task["model"], task["kind"], task["batch"]
    x, y, x_test, y_test = data(model)
    samples = task.get("samples", len(x))
    xt, yt = _torch_inputs(torch, x[:samples]), torch.from_numpy(y[:samples])
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(net, opt, xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()

    def epoch_of(net, opt):
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), batch):
            idx = order[i:i + batch]
            step(net, opt, xt[idx], yt[idx])

    if kind == "epoch":
        net, opt = torch_model(torch, model)

        def accuracy():
            torch.manual_seed(0)
            fresh, fresh_opt = torch_model(torch, model)
            epoch_of(fresh, fresh_opt)
            with torch.inference_mode():
                logits = fresh(_torch_inputs(torch, x_test))
            return np.array([float((logits.argmax(1).numpy() == y_test).mean())])
        return lambda: epoch_of(net, opt), accuracy
    if kind == "train_step":
        net, opt = torch_model(torch, model)
        xb, yb = _torch_inputs(torch, x[:batch]), torch.from_numpy(y[:batch])

        def weights_after_one_step():
            fresh, fresh_opt = torch_model(torch, model)
            step(fresh, fresh_opt, xb, yb)
            state = [v.detach().numpy() for k, v in fresh.state_dict().items() if not k.endswith("num_batches_tracked")]
            return keras_order(model, state)
        return lambda: step(net, opt, xb, yb), weights_after_one_step
    net, _ = torch_model(torch, model)
    net.eval()
    xs = _torch_inputs(torch, x_test[:task.get("samples", 10000)])
    softmax = torch.nn.Softmax(dim=1)

    def predict():
        with torch.inference_mode():
            return torch.cat([softmax(net(xs[i:i + batch])) for i in range(0, len(xs), batch)]).numpy()
    return predict, predict


def keras_order(model, params):
    """PyTorch's state (parameters and BatchNorm running statistics, in module order) back in Keras' layouts,
    flattened (for comparing weights across frameworks)."""
    if model == "lstm":  # weight_ih, weight_hh, bias_ih, bias_hh, dense weight, dense bias
        w_ih, w_hh, b_ih, b_hh, w, b = params
        return np.concatenate([w_ih.T.ravel(), w_hh.T.ravel(), (b_ih + b_hh).ravel(), w.T.ravel(), b.ravel()])
    out, it = [], iter(params)
    for p in it:
        b = next(it)
        if p.ndim == 4:
            p = p.transpose(2, 3, 1, 0)
            if model == "lenet_bn":  # the BatchNorm2d after it: gamma, beta, running mean and variance
                out += [p.ravel(), b.ravel()] + [next(it).ravel() for _ in range(4)]
                continue
        else:
            p = p.T
            if model != "mlp" and p.shape == (400, 120):
                p = p.reshape(16, 5, 5, -1).transpose(1, 2, 0, 3).reshape(400, -1)
        out += [p.ravel(), b.ravel()]
    return np.concatenate(out)
