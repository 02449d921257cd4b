"""ember.nn: modules, parameters, functional, init and utils (torch.nn's layout)."""
from . import functional, init, utils
from .modules import *  # noqa: F401,F403
from .modules import Module, Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from . import attention
from . import parallel
from .parallel import DataParallel
