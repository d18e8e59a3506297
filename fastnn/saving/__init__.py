"""fastnn.saving — saving and loading models and weights, along Keras 3's seams.

- `serialization`: objects to and from configs, and the name registry behind every `get()` (a leaf module).
- `files`: atomic writes and fastnn's checked `.npz` archives.
- `keras_h5`: Keras 3 `.weights.h5` files (h5py, imported only when used).
- `model_io`: `save_model`/`load_model` and `save_weights`/`load_weights`.

Models, layers and optimizers save and load their own state through public methods (`get_config`,
`get_build_config`, `get_compile_config`, `save_own_variables`/`load_own_variables`), as in Keras 3.
"""
from .files import atomic_write_bytes
from .model_io import load_model, load_weights, save_model, save_weights
from .serialization import (
    deserialize_layer,
    deserialize_object,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_object,
)

__all__ = ["save_weights", "load_weights", "save_model", "load_model", "serialize_object", "deserialize_object",
           "deserialize_layer", "atomic_write_bytes", "register_keras_serializable", "get_registered_name",
           "get_registered_object"]
