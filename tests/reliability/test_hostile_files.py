"""Crafted hostile files: reading a model, weights or dataset file never reads another file, never allocates far
beyond what the model (or dataset) needs, and fails with a ValueError naming the file.

Each case builds its file here (zipfile / numpy / h5py / gzip) and loads it in a child process that measures its
peak RSS growth during the load (VmHWM, reset just before) under an address-space limit of +1 GiB (a regression
then fails with MemoryError instead of exhausting the machine). The bound is BOUND_MIB unless a case states
otherwise; the bombs here would cost 256 MiB or more if their declared sizes were trusted. A child also reports
whether fastnn's global random state changed: a failed load must leave it alone.
"""
import gzip
import io
import json
import os
import re
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

BOUND_MIB = 48
BOMB = 256 << 20  # bytes a bomb decompresses to (or declares)
MNIST = "t10k-labels-idx1-ubyte"

_CHILD = r"""
import json, resource, sys
import numpy as np
import fastnn
from fastnn import layers

kind, path = sys.argv[1], sys.argv[2]
model = fastnn.Sequential([layers.Input((8,)), layers.Dense(4)])
model(np.zeros((2, 8), np.float32))  # warm up kernels and thread pools before measuring


def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key + ":"))


rng = fastnn.random._get_state()
resource.setrlimit(resource.RLIMIT_AS, (status("VmSize") + (1 << 30), resource.RLIM_INFINITY))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak RSS to the current RSS
before = status("VmHWM")
result = {"error": None, "message": ""}
try:
    if kind == "weights":
        model.load_weights(path)
    elif kind == "model":
        fastnn.models.load_model(path)
    elif kind == "mnist":
        fastnn.datasets.mnist.load_data(path=path)
    else:  # one MNIST file, through the checked reader load_data uses
        fastnn.datasets.mnist._read_checked(path, kind, fastnn.datasets.mnist.FILES[kind])
except Exception as e:
    result = {"error": type(e).__name__, "message": str(e)}
result["growth"] = status("VmHWM") - before
result["rng_unchanged"] = fastnn.random._get_state() == rng
print(json.dumps(result))
"""


# ------------------------------------------------------------------------------------------- builders
def npy_header(dtype, shape):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                                  "fortran_order": False, "shape": tuple(shape)})
    return buffer.getvalue()


def write_npz(path, members, zeros=None):
    """An .npz of `members` (name -> array, saved as np.save would), plus optionally `zeros` = (name, dtype,
    nbytes): a deflated member of that many zero bytes (a bomb, streamed so the test never holds it)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in members.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
            archive.writestr(name + ".npy", buffer.getvalue())
        if zeros is not None:
            name, dtype, nbytes = zeros
            with archive.open(name + ".npy", "w", force_zip64=True) as f:
                f.write(npy_header(dtype, (nbytes // np.dtype(dtype).itemsize,)))
                block = bytes(1 << 20)
                for _ in range(nbytes // len(block)):
                    f.write(block)
    return path


def weights_members():
    rng = np.random.default_rng(0)
    return {"__fastnn__": np.frombuffer(b"weights", np.uint8), "weight_000": rng.random((8, 4), np.float32),
            "weight_001": rng.random(4, np.float32)}


def weights_file(tmp_path, replace=None, zeros=None, **extra):
    members = {**weights_members(), **(replace or {}), **extra}
    return write_npz(tmp_path / "w.npz", members, zeros)


def model_members(tmp_path):
    import fastnn
    from fastnn import layers

    model = fastnn.Sequential([layers.Input((8,)), layers.Dense(4), layers.Dropout(0.5, seed=1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 8), np.float32), np.ones((4, 4), np.float32), verbose=0)
    model.save(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz", allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def json_member(value):
    return np.frombuffer(value.encode() if isinstance(value, str) else json.dumps(value).encode(), np.uint8)


def model_file(tmp_path, edit=None, raw_config=None, random_state=None, zeros=None):
    """A real model file whose __config__ is edited (edit(config) mutates it) or replaced by `raw_config`."""
    members = model_members(tmp_path)
    config = json.loads(bytes(members["__config__"]))
    if edit is not None:
        edit(config)
    members["__config__"] = json_member(raw_config if raw_config is not None else config)
    if random_state is not None:
        members["__random_state__"] = json_member(random_state(json.loads(bytes(members["__random_state__"]))))
    if zeros is not None:
        del members[zeros[0]]
    return write_npz(tmp_path / "m.npz", members, zeros)


def set_layer(i, spec):
    def edit(config):
        config["config"]["layers"][i] = spec
    return edit


def h5_file(tmp_path, make_vars0):
    """A .weights.h5 for the child's model whose layers/dense/vars/0 is built by make_vars0(group, tmp_path)."""
    path = tmp_path / "w.weights.h5"
    with h5py.File(path, "w") as f:
        group = f.create_group("layers/dense/vars")
        make_vars0(group, tmp_path)
        group.create_dataset("1", data=np.zeros(4, np.float32))
    return path


def secret_h5(tmp_path):
    with h5py.File(tmp_path / "secret.h5", "w") as f:
        f.create_dataset("data", data=np.full((8, 4), 7, np.float32))
    return str(tmp_path / "secret.h5")


def external_storage(group, tmp_path):
    (tmp_path / "secret.bin").write_bytes(np.full((8, 4), 7, np.float32).tobytes())
    group.create_dataset("0", shape=(8, 4), dtype=np.float32, external=[(str(tmp_path / "secret.bin"), 0, 128)])


def virtual(group, tmp_path):
    layout = h5py.VirtualLayout(shape=(8, 4), dtype=np.float32)
    layout[:] = h5py.VirtualSource(secret_h5(tmp_path), "data", shape=(8, 4))
    group.create_virtual_dataset("0", layout)


def external_group_link(tmp_path):
    path = tmp_path / "w.weights.h5"
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("dense/vars/0", data=np.zeros((8, 4), np.float32))
        f.create_dataset("dense/vars/1", data=np.zeros(4, np.float32))
    with h5py.File(path, "w") as f:
        f["layers"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/")
    return path


def gz_zeros(header, nbytes):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(header)] + [compressor.compress(block) for _ in range(nbytes // len(block))]
    return b"".join(parts) + compressor.flush()


def mnist_folder(tmp_path, name, data):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / name).write_bytes(data)
    return tmp_path / "mnist"


def mnist_labels(tmp_path, gz_data=None, raw_size=None):
    folder = tmp_path / "mnist"
    folder.mkdir()
    if raw_size is not None:  # sparse: costs no disk
        with open(folder / MNIST, "wb") as f:
            f.truncate(raw_size)
    else:
        (folder / (MNIST + ".gz")).write_bytes(gz_data)
    return folder


def labels_header():
    return b"\x00\x00\x08\x01" + (10000).to_bytes(4, "big")


def declared_bomb_npz(tmp_path):
    """weight_000 declaring 2**40 float32 values (4 TiB) with 64 bytes of data."""
    path = write_npz(tmp_path / "w.npz", {k: v for k, v in weights_members().items() if k != "weight_000"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("weight_000.npy", npy_header(np.float32, (2**40,)) + bytes(64))
    return path


# ------------------------------------------------------------------------------------------- the table
class Case:
    def __init__(self, id, kind, build, match, bound_mib=BOUND_MIB):
        self.id, self.kind, self.build, self.match, self.bound_mib = id, kind, build, match, bound_mib


CASES = [
    # --- .npz weights / model files
    Case("npz-zip-bomb-extra-member", "weights",
         lambda t: weights_file(t, zeros=("junk", np.uint8, BOMB)), r"unexpected member 'junk.npy'"),
    Case("npz-zip-bomb-as-config", "model", lambda t: model_file(t, zeros=("__config__", np.uint8, BOMB)),
         r"a model config of 268435456 bytes, more than the 16777216"),
    Case("npz-zip-bomb-as-weight", "weights",
         lambda t: write_npz(t / "w.npz", {k: v for k, v in weights_members().items() if k != "weight_001"},
                             zeros=("weight_001", np.float32, BOMB)),
         r"weight 1 \(weight_001, for 'bias'\) of shape \(67108864,\), but the model's has shape \(4,\)"),
    Case("npz-declared-shape-2**40", "weights", declared_bomb_npz,
         r"member 'weight_000' declares shape \(1099511627776,\) of float32 \(4398046511104 bytes\) but its zip "
         r"entry holds 64 bytes"),
    Case("npz-extra-member", "weights", lambda t: weights_file(t, evil=np.zeros(3)), r"unexpected member 'evil.npy'"),
    Case("npz-non-npy-member", "weights",
         lambda t: (weights_file(t), zipfile.ZipFile(t / "w.npz", "a").writestr("run.py", "import os"))[0],
         r"unexpected member 'run.py'"),
    Case("npz-wrong-dtype-complex", "weights",
         lambda t: weights_file(t, {"weight_000": np.zeros((8, 4), np.complex64)}),
         r"member 'weight_000' holds dtype complex64: fastnn files hold only numbers"),
    Case("npz-wrong-dtype-unicode", "weights", lambda t: weights_file(t, {"weight_000": np.full((8, 4), "x")}),
         r"member 'weight_000' holds dtype <U1: fastnn files hold only numbers"),
    Case("npz-pickled-object-array", "weights",
         lambda t: weights_file(t, {"weight_000": np.array([os.system], dtype=object)}),
         r"member 'weight_000' holds dtype object"),
    Case("npz-wrong-shape", "weights", lambda t: weights_file(t, {"weight_000": np.zeros((4, 8), np.float32)}),
         r"shape \(4, 8\), but the model's has shape \(8, 4\)"),
    Case("npz-missing-weight", "weights",
         lambda t: write_npz(t / "w.npz", {k: v for k, v in weights_members().items() if k != "weight_001"}),
         r"holds 1 weights, but model 'sequential.*' has 2"),
    # --- Keras .weights.h5
    Case("h5-external-storage", "weights", lambda t: h5_file(t, external_storage),
         r"'layers/dense/vars/0' keeps its data in external files: refused"),
    Case("h5-external-link", "weights",
         lambda t: h5_file(t, lambda g, t: g.__setitem__("0", h5py.ExternalLink(secret_h5(t), "/data"))),
         r"'layers/dense/vars/0' is a ExternalLink to another location"),
    Case("h5-external-link-group", "weights", external_group_link, r"'layers' is a ExternalLink to another location"),
    Case("h5-soft-link", "weights",
         lambda t: h5_file(t, lambda g, t: (g.file.create_dataset("x", data=np.zeros((8, 4), np.float32)),
                                            g.__setitem__("0", h5py.SoftLink("/x")))),
         r"'layers/dense/vars/0' is a SoftLink to another location"),
    Case("h5-virtual-dataset", "weights", lambda t: h5_file(t, virtual), r"'layers/dense/vars/0' is a virtual dataset"),
    Case("h5-declared-shape-bomb", "weights",
         lambda t: h5_file(t, lambda g, t: g.create_dataset("0", shape=(2**28, 4), dtype=np.float32, chunks=(1024, 4))),
         r"'layers/dense/vars/0' has shape \(268435456, 4\), but weight 'kernel' has shape \(8, 4\)"),
    Case("h5-wrong-dtype", "weights",
         lambda t: h5_file(t, lambda g, t: g.create_dataset("0", data=np.full((8, 4), b"ab"))),
         r"'layers/dense/vars/0' has dtype \|S2, which does not convert"),
    Case("h5-compressed", "weights",
         lambda t: h5_file(t, lambda g, t: g.create_dataset("0", data=np.zeros((8, 4), np.float32),
                                                            compression="gzip")),
         r"'layers/dense/vars/0' is compressed or filtered"),
    # --- model configs
    Case("config-list", "model", lambda t: model_file(t, raw_config="[]"),
         r"damaged model config: expected a JSON object, found a list"),
    Case("config-null", "model", lambda t: model_file(t, raw_config="null"),
         r"damaged model config: expected a JSON object, found null"),
    Case("config-string", "model", lambda t: model_file(t, raw_config='"Sequential"'),
         r"damaged model config: expected a JSON object, found a string"),
    Case("config-missing-config", "model", lambda t: model_file(t, lambda c: c.pop("config")),
         r"damaged model config: the key 'config' is missing"),
    Case("config-missing-class-name", "model", lambda t: model_file(t, lambda c: c.pop("class_name")),
         r"damaged model config: the key 'class_name' is missing"),
    Case("config-layers-not-a-list", "model", lambda t: model_file(t, lambda c: c["config"].update(layers=5)),
         r"a Sequential model's 'layers' must be a list, found a number"),
    Case("config-layer-not-an-object", "model", lambda t: model_file(t, set_layer(0, None)),
         r"cannot rebuild the model .* a layer must be saved as a JSON object, received null"),
    Case("config-layer-config-not-an-object", "model",
         lambda t: model_file(t, set_layer(0, {"class_name": "Dense", "config": [1]})),
         r"the config of 'Dense' must be a JSON object, received a list"),
    Case("config-layer-missing-key", "model",
         lambda t: model_file(t, set_layer(0, {"class_name": "Dense", "config": {}})),
         r"cannot rebuild the model from its saved config \(TypeError: .*units"),
    Case("config-unknown-class", "model", lambda t: model_file(t, set_layer(0, {"class_name": "NoSuchLayer"})),
         r"Unknown object 'NoSuchLayer'"),
    Case("config-hostile-dunder-class", "model", lambda t: model_file(t, set_layer(0, {"class_name": "__class__"})),
         r"Unknown object '__class__'"),
    Case("config-hostile-module-attribute", "model",
         lambda t: model_file(t, set_layer(0, {"class_name": "Input", "config": {"shape": [8]}})),
         r"Unknown object 'Input'"),
    Case("config-hostile-dotted-name", "model", lambda t: model_file(t, set_layer(0, {"class_name": "os.system"})),
         r"Unknown object 'os.system'"),
    Case("config-hostile-top-level-class", "model",
         lambda t: model_file(t, lambda c: c.update(is_sequential=False, class_name="Adam")),
         r"'Adam' in the saved config is not a Model"),
    Case("config-not-a-layer", "model", lambda t: model_file(t, set_layer(0, {"class_name": "GlorotUniform"})),
         r"'GlorotUniform' in the saved config is not a Layer"),
    Case("config-json-nesting-bomb", "model", lambda t: model_file(t, raw_config="[" * 200000 + "]" * 200000),
         r"damaged model config \(JSON nested"),
    Case("config-deep-inside", "model",
         lambda t: model_file(t, lambda c: c["config"].update(extra=json.loads("[" * 500 + "]" * 500))),
         r"damaged model config \(JSON nested more than 100 levels deep\)"),
    Case("config-build-input-shape-2**40", "model",
         lambda t: model_file(t, lambda c: c.update(build_input_shape=[None, 2**40])),
         r"build_input_shape \[None, 1099511627776\] describes samples of 1099511627776 values"),
    Case("config-build-input-shape-not-a-list", "model",
         lambda t: model_file(t, lambda c: c.update(build_input_shape={"a": 1})),
         r"build_input_shape must be a list"),
    Case("config-units-2**40", "model",
         lambda t: model_file(t, set_layer(0, {"class_name": "Dense", "config": {"units": 2**40}})),
         r"cannot rebuild the model from its saved config \(ValueError: its layers create more weight values than "
         r"'.*m.npz' holds \(weight 'kernel' of 8796093022208 values, 36 left\)"),
    Case("config-units-2**26", "model",  # a 2 GiB kernel: allocated and filled if the config were trusted
         lambda t: model_file(t, set_layer(0, {"class_name": "Dense", "config": {"units": 2**26}})),
         r"create more weight values than '.*m.npz' holds \(weight 'kernel' of 536870912 values"),
    Case("config-compile-damaged", "model", lambda t: model_file(t, lambda c: c.update(compile={"loss": "mse"})),
         r"'compile' must be an object with 'optimizer', 'loss' and 'metrics'"),
    Case("config-future-format", "model", lambda t: model_file(t, lambda c: c.update(format_version=99)),
         r"format_version 99"),
    Case("random-state-seed-wrong-type", "model",
         lambda t: model_file(t, random_state=lambda s: {**s, "seed": "abc"}),
         r"damaged random state \(the random state's seed must be an int or null, received 'abc'\)"),
    Case("random-state-generator-wrong-type", "model",
         lambda t: model_file(t, random_state=lambda s: {**s, "bit_generator": 5}),
         r"damaged random state \(the random state's 'bit_generator' is not a PCG64 state"),
    Case("random-state-counter-wrong-type", "model",
         lambda t: model_file(t, random_state=lambda s: {**s, "layer_calls": ["x"]}),
         r"damaged random state \(layer_calls must be a list of at most \d+ counts"),
    Case("random-state-not-an-object", "model", lambda t: model_file(t, random_state=lambda s: [s]),
         r"damaged random state \(expected a JSON object, found a list\)"),
    # --- MNIST
    Case("mnist-gz-bomb", "mnist",
         lambda t: mnist_folder(t, "train-images-idx3-ubyte.gz", gz_zeros(b"", BOMB)),
         r"train-images-idx3-ubyte.gz is not the MNIST file it is named after: its IDX header 00000000"),
    Case("mnist-gz-bomb-right-header", MNIST, lambda t: mnist_labels(t, gz_zeros(labels_header(), 48 << 20)),
         r"t10k-labels-idx1-ubyte.gz is not the MNIST file .* decompresses to more than the 10008 bytes",
         bound_mib=16),
    Case("mnist-gz-larger-than-its-content", MNIST, lambda t: mnist_labels(t, gz_zeros(labels_header(), BOMB)),
         r"t10k-labels-idx1-ubyte.gz is not the MNIST file .*: 260\d{3} bytes, larger than its uncompressed"),
    Case("mnist-gz-wrong-content", MNIST, lambda t: mnist_labels(t, gzip.compress(labels_header() + bytes(10000))),
         r"t10k-labels-idx1-ubyte.gz is not the MNIST file it is named after: SHA-256 of its content"),
    Case("mnist-raw-oversized", MNIST, lambda t: mnist_labels(t, raw_size=BOMB),
         r"t10k-labels-idx1-ubyte is not the MNIST file it is named after: 268435456 bytes, expected 10008"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_file(case, tmp_path):
    path = case.build(tmp_path)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", _CHILD, case.kind, str(path)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["error"] == "ValueError", result
    assert str(path) in result["message"], result["message"]
    assert re.search(case.match, result["message"], re.S), result["message"]
    print(f"{case.id}: peak RSS growth {result['growth'] / 2**20:.1f} MiB")
    assert result["growth"] < case.bound_mib << 20, f"peak RSS grew by {result['growth'] >> 20} MiB"
    assert result["rng_unchanged"], "a failed load changed the global random state"


def test_table_size():
    assert len(CASES) >= 50
    assert len({case.id for case in CASES}) == len(CASES)
