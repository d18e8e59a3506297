"""The ported programs: where each was published, what the harness cuts, and Keras' recorded result.

`KERAS_RESULTS` is written by scripts/record_compat_results.py (the original program run on TensorFlow/Keras with
the same cuts and data, on this project's machine); the test compares fastnn's run with it.
"""
from compat.harness import Program

TF_DOCS = "tensorflow/docs@7c3650212740204359d4ceae481abc79345541be:"
KERAS_IO = "keras-team/keras-io@"

PROGRAMS = {
    "tf_quickstart_beginner": Program(
        source=TF_DOCS + "site/en/tutorials/quickstart/beginner.ipynb",
        result="model.evaluate(x_test, y_test, verbose=0)[1]",
        cuts=(("model.fit(x_train, y_train, epochs=5)", "model.fit(x_train, y_train, epochs=2)"),),
        n_train=20000, n_test=5000),
    "tf_quickstart_advanced": Program(
        source=TF_DOCS + "site/en/tutorials/quickstart/advanced.ipynb",
        result="test_accuracy.result()",
        cuts=(("EPOCHS = 5", "EPOCHS = 1"),),
        n_train=6000, n_test=2000, tolerance=0.03),
    "keras_io_mnist_convnet": Program(
        source=KERAS_IO + "02cfe8063b505adc073986c91729f22039f77ad0:examples/vision/mnist_convnet.py",
        result="score[1]",
        cuts=(("epochs = 15", "epochs = 2"),),
        n_train=10000, n_test=2000),
    "tf_keras_classification": Program(
        source=TF_DOCS + "site/en/tutorials/keras/classification.ipynb",
        result="test_acc",
        cuts=(("model.fit(train_images, train_labels, epochs=10)", "model.fit(train_images, train_labels, epochs=2)"),),
        n_train=20000, n_test=5000),
    "tf_images_cnn": Program(
        source=TF_DOCS + "site/en/tutorials/images/cnn.ipynb",
        result="test_acc",
        cuts=(("epochs=10", "epochs=2"),),
        n_train=10000, n_test=2000, tolerance=0.03),
}

KERAS_RESULTS = {
}
