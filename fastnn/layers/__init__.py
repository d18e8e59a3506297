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
from .conv_transpose import Conv2DTranspose
from .conv1d import Conv1D, Convolution1D
from .depthwise_conv import DepthwiseConv2D, SeparableConv2D, SeparableConvolution2D
from .pooling import (AveragePooling1D, AvgPool1D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                      MaxPool1D, MaxPooling1D)
from .spatial_reshaping import Cropping2D, UpSampling2D, ZeroPadding2D
from .normalization import BatchNormalization, LayerNormalization, Normalization, Rescaling
from .regularization import ActivityRegularization, GaussianNoise, SpatialDropout2D
from .activation_layers import ELU, PReLU
from .simple_rnn import SimpleRNN
from .lstm import LSTM
from .gru import GRU
from .bidirectional import Bidirectional
from .masking import Masking
from .embedding import Embedding
from .time_distributed import TimeDistributed
from .lambda_layer import Lambda

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D",
           "AvgPool2D", "Flatten", "Reshape", "Activation", "ReLU", "LeakyReLU", "Softmax", "Dropout", "KerasTensor",
           "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "RandomFlip",
           "RandomRotation", "RandomTranslation", "RandomZoom", "Conv2DTranspose", "Conv1D", "Convolution1D",
           "DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D", "ZeroPadding2D", "Cropping2D",
           "UpSampling2D", "MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D", "GlobalMaxPooling1D",
           "GlobalMaxPool1D", "GlobalMaxPooling2D", "GlobalMaxPool2D", "GlobalAveragePooling1D", "GlobalAvgPool1D",
           "GlobalAveragePooling2D", "GlobalAvgPool2D",
           "BatchNormalization",
           "LayerNormalization", "Normalization", "Rescaling", "GaussianNoise", "SpatialDropout2D",
           "ActivityRegularization", "ELU", "PReLU", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "Masking",
           "Embedding", "TimeDistributed", "Lambda"]
