"""Run an unmodified PyTorch script on ember: ``python -m ember.run script.py [args]``.

An import hook answers ``import torch`` (and ``torch.nn``, ``torch.nn.functional``, ``torch.optim``,
``torch.optim.lr_scheduler``, ``torch.utils.data``, ``torch.autograd``, ``torch.cuda``, ...) with the matching ember
module, and ``torchvision``, ``torchvision.transforms`` and ``torchvision.datasets`` with `ember.vision`. A module
ember does not provide raises ImportError (ModuleNotFoundError) naming it. ``-m module`` runs a module instead of
a script path, and ``-c code`` a command string.

Processes started with the ``spawn`` method (``torch.multiprocessing.spawn``, a DataLoader with a spawn context)
install the hook before they re-import the script, so they see ember as torch too. While the hook is on, reprs say
``torch`` (``torch.float32``, ``torch.Size([2])``, ``x.type() == 'torch.FloatTensor'``).

torch's submodules map onto ember's of the same path, including ``torch.version``, ``torch.jit``,
``torch.compiler``, ``torch.accelerator``, ``torch.multiprocessing``, ``torch.testing``, ``torch.hub``,
``torch.profiler``, ``torch.autograd.profiler``, ``torch.utils.checkpoint`` and ``torch.utils.tensorboard``.

Use `install` / `uninstall` to turn the hook on and off inside Python.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys
from types import ModuleType

__all__ = ["install", "uninstall", "main", "ALIASES"]

# torch-side top-level package -> ember package that stands in for it.
ALIASES = {"torch": "ember", "torchvision": "ember.vision"}
# torch-side modules whose ember counterpart lives elsewhere.
_RENAMES = {"torchvision.transforms.v2": "ember.vision.transforms"}
_stashed: dict[str, ModuleType] = {}  # real torch modules hidden while the hook is installed


def _target(fullname: str) -> str | None:
    """The ember module name standing in for `fullname`, or None if the hook does not cover it."""
    if fullname in _RENAMES:
        return _RENAMES[fullname]
    top, _, rest = fullname.partition(".")
    if top not in ALIASES:
        return None
    return ALIASES[top] + ("." + rest if rest else "")


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        pass


class TorchToEmberFinder(importlib.abc.MetaPathFinder):
    """Meta-path finder mapping ``torch*`` / ``torchvision*`` imports onto ember's modules."""

    def find_spec(self, fullname, path=None, target=None):
        name = _target(fullname)
        if name is None:
            return None
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name is not None and (name == e.name or name.startswith(e.name + ".")):
                raise ModuleNotFoundError(f"No module named '{fullname}': ember (running this script through "
                                          f"ember.run) does not provide {fullname}", name=fullname) from None
            raise
        for key in [k for k in sys.modules if k.startswith(name + ".")]:
            # submodules ember registers itself (ember.cuda.amp) must be found under a non-package parent too
            sys.modules.setdefault(fullname + key[len(name):], sys.modules[key])
        is_pkg = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_pkg)


_finder = TorchToEmberFinder()


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the directory holding the ember package
_spawn_command_line = []  # multiprocessing.spawn's own get_command_line while ours replaces it


def _hooked_command_line(**kwds):
    """multiprocessing.spawn's child command line, with the hook installed before the child imports anything."""
    cmd = list(_spawn_command_line[0](**kwds))
    if "-c" in cmd:
        i = cmd.index("-c") + 1
        cmd[i] = f"import sys; sys.path.insert(0, {_ROOT!r}); import ember.run; ember.run.install(); " + cmd[i]
    return cmd


def install() -> None:
    """Make ``import torch`` / ``import torchvision`` give ember (until `uninstall`), here and in spawned children."""
    for name in [m for m in sys.modules if _target(m) is not None and not _is_ember(sys.modules[m])]:
        _stashed[name] = sys.modules.pop(name)  # a real torch imported earlier must not shadow the hook
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    import multiprocessing.spawn as mp_spawn
    if not _spawn_command_line:
        _spawn_command_line.append(mp_spawn.get_command_line)
        mp_spawn.get_command_line = _hooked_command_line


def uninstall() -> None:
    """Remove the hook, forget the ``torch*`` aliases it created and bring back a real torch it hid."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    if _spawn_command_line:
        import multiprocessing.spawn as mp_spawn
        mp_spawn.get_command_line = _spawn_command_line.pop()
    for name in [m for m in sys.modules if _target(m) is not None and _is_ember(sys.modules[m])]:
        del sys.modules[name]
    sys.modules.update(_stashed)
    _stashed.clear()


def _is_ember(module) -> bool:
    return getattr(module, "__name__", "").split(".")[0] == "ember"


_USAGE = "usage: python -m ember.run (script.py | -m module | -c code) [args ...]"


def main(argv: list[str] | None = None) -> None:
    """Run a script, ``-m module`` or ``-c code`` with the torch -> ember import hook installed."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE + "\n\n" + __doc__.split("\n\n")[1])
        sys.exit(0 if argv else 2)
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            sys.exit(_USAGE)
        sys.argv = [argv[1]] + argv[2:]
        runpy.run_module(_target(argv[1]) or argv[1], run_name="__main__", alter_sys=True)
    elif argv[0] == "-c":
        if len(argv) < 2:
            sys.exit(_USAGE)
        sys.argv = ["-c"] + argv[2:]
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = list(argv)
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
        runpy.run_path(os.path.abspath(argv[0]), run_name="__main__")  # __file__ absolute, as python gives it


if __name__ == "__main__":
    main()
