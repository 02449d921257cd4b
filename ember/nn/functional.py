"""torch.nn.functional: the functional form of every layer (the math lives in ember._ops)."""
from __future__ import annotations

from .._ops.nn import *  # noqa: F401,F403
from .._ops.loss import *  # noqa: F401,F403
from .._ops.conv import *  # noqa: F401,F403
from .._ops.pool import *  # noqa: F401,F403
from .._ops.batchnorm import *  # noqa: F401,F403
from .._ops.padding import *  # noqa: F401,F403
from .._ops.attention import *  # noqa: F401,F403
from .._ops.sampling import *  # noqa: F401,F403
