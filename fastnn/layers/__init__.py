"""fastnn.layers — Keras' layers (names, defaults, weight layouts), running on fastnn's fused kernels."""
from .activation_layers import Activation, LeakyReLU, ReLU, Softmax
from .augmentation import RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from .conv2d import Conv2D
from .dense import Dense
from .dropout import Dropout
from .input_layer import Input, InputLayer, KerasTensor
from .layer import Layer
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .pooling import AveragePooling2D, AvgPool2D, MaxPool2D, MaxPooling2D
from .reshaping import Flatten, Reshape
from .normalization import BatchNormalization, LayerNormalization, Normalization, Rescaling
from .regularization import ActivityRegularization, GaussianNoise, SpatialDropout2D

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D",
           "AvgPool2D", "Flatten", "Reshape", "Activation", "ReLU", "LeakyReLU", "Softmax", "Dropout", "KerasTensor",
           "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom", "BatchNormalization",
           "LayerNormalization", "Normalization", "Rescaling", "GaussianNoise", "SpatialDropout2D",
           "ActivityRegularization"]
