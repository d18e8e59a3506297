"""fastnn.trainers — the training loop behind `Model.fit` / `evaluate` / `predict`, apart from the model (Keras'
`keras/src/trainers/` seam): `data_adapter` turns arrays, Datasets and generators into batches, `compile_utils`
holds what `compile()` chose (loss, metrics, the loss tracker), `local_loop` is the single-process loop (the
data-parallel one, `fastnn.distributed.DataParallel`, has the same interface), and `trainer.Trainer` is the mixin
`Model` inherits: compile, fit, evaluate, predict, the `*_on_batch` forms and the overridable `train_step` /
`test_step` / `predict_step`."""
from .trainer import Trainer

__all__ = ["Trainer"]
