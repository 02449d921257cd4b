"""torch.nn.functional: the functional form of every layer (the math lives in ember._ops).

Every name is listed with the module defining it; tests/test_layout.py checks none goes missing.
"""
from __future__ import annotations

from .._ops.linear import bilinear, linear
from .._ops.activation import (celu, celu_, elu, elu_, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh,
                               hardtanh_, leaky_relu, leaky_relu_, log_softmax, logsigmoid, mish, prelu, relu, relu6,
                               relu_, selu, selu_, sigmoid, silu, softmax, softmin, softplus, softshrink, softsign,
                               tanh, tanhshrink, threshold, threshold_)
from .._ops.dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .._ops.embedding import embedding, embedding_bag, one_hot
from .._ops.distance import cosine_similarity, normalize, pairwise_distance
from .._ops.normalization import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm, rms_norm
from .._ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, gaussian_nll_loss,
                         huber_loss, kl_div, l1_loss, mse_loss, nll_loss, poisson_nll_loss, smooth_l1_loss)
from .._ops.margin_loss import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                                multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss)
from .._ops.ctc_loss import ctc_loss
from .._ops.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, fold, unfold
from .._ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
                         adaptive_max_pool1d_with_indices, adaptive_max_pool2d, adaptive_max_pool2d_with_indices,
                         adaptive_max_pool3d, adaptive_max_pool3d_with_indices, avg_pool1d, avg_pool2d, avg_pool3d,
                         lp_pool1d, lp_pool2d, lp_pool3d, max_pool1d, max_pool1d_with_indices, max_pool2d,
                         max_pool2d_with_indices, max_pool3d, max_pool3d_with_indices, max_unpool1d, max_unpool2d,
                         max_unpool3d)
from .._ops.upsampling import (channel_shuffle, interpolate, native_channel_shuffle, pixel_shuffle, pixel_unshuffle,
                               upsample, upsample_bilinear, upsample_nearest)
from .._ops.padding import pad
from .._ops.attention import multi_head_attention_forward, scaled_dot_product_attention
from .._ops.sampling import affine_grid, grid_sample, gumbel_softmax
