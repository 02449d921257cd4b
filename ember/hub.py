"""ember.hub (torch.hub's names) for machines without network access: everything comes from the local cache.

`load_state_dict_from_url` reads ``<hub dir>/checkpoints/<file name from the URL>`` (the file torch.hub would have
downloaded there; ``$TORCH_HOME/hub``, ``$TORCH_HOME`` defaulting to ``$XDG_CACHE_HOME/torch`` or ``~/.cache/torch``)
with `ember.load`. `load` / `list` / `help` use a ``hubconf.py`` from a local directory (``source='local'``) or from
a repository already cached under the hub dir (``owner_repo_branch``). Anything that would need a download raises
a RuntimeError saying so: ember never touches the network.
"""
from __future__ import annotations

import builtins
import importlib.util
import os
import re
import sys
from urllib.parse import urlparse

__all__ = ["get_dir", "set_dir", "load_state_dict_from_url", "download_url_to_file", "load", "list", "help"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir: str | None = None


def _get_torch_home() -> str:
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"),
                                                                    "torch")))


def get_dir() -> str:
    """The hub cache directory: set_dir's value, else ``$TORCH_HOME/hub``."""
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d) -> None:
    """Use `d` as the hub cache directory."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def _no_network(what: str, path: str) -> RuntimeError:
    return RuntimeError(f"ember.hub cannot download {what}: ember has no network access. Put the file at {path} "
                        "(e.g. copy it from a machine where torch.hub downloaded it) and call again.")


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Raises RuntimeError: ember does not download (place the file at `dst` yourself)."""
    raise _no_network(repr(url), dst)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None, weights_only: bool = False):
    """`ember.load` the checkpoint torch.hub would have cached for `url` (RuntimeError if it is not cached)."""
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    name = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached = os.path.join(model_dir, name)
    if not os.path.exists(cached):
        raise _no_network(repr(url), cached)
    from .serialization import load as _load
    return _load(cached, map_location=map_location, weights_only=weights_only)


def _repo_dir(repo_or_dir: str, source: str, force_reload: bool) -> str:
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        return repo_or_dir
    info, _, ref = repo_or_dir.partition(":")
    owner, _, name = info.partition("/")
    refs = [ref] if ref else ["main", "master"]
    for r in refs:
        path = os.path.join(get_dir(), "_".join([owner, name, r.replace("/", "_")]))
        if os.path.isdir(path) and not force_reload:
            return path
    raise RuntimeError(f"It looks like there is no internet connection and the repo could not be found in the "
                       f"cache ({get_dir()}): ember.hub cannot download {repo_or_dir!r}")


def _hubconf(repo_dir: str):
    path = os.path.join(repo_dir, "hubconf.py")
    if not os.path.exists(path):
        raise FileNotFoundError(f"hubconf.py not found in {repo_dir}")
    sys.path.insert(0, repo_dir)
    try:
        spec = importlib.util.spec_from_file_location("hubconf", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(repo_dir)
    missing = [p for p in getattr(module, "dependencies", None) or [] if importlib.util.find_spec(p) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    return module


def _entry(module, model: str):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    fn = getattr(module, model, None)
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def list(github: str, force_reload: bool = False, skip_validation: bool = False, trust_repo=None,  # noqa: A001
         verbose: bool = True) -> builtins.list:
    """Entry points of a cached repository's hubconf.py."""
    module = _hubconf(_repo_dir(github, "github", force_reload))
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(github: str, model: str, force_reload: bool = False, skip_validation: bool = False,  # noqa: A001
         trust_repo=None) -> str:
    """Docstring of entry point `model` in a cached repository's hubconf.py."""
    return _entry(_hubconf(_repo_dir(github, "github", force_reload)), model).__doc__


def load(repo_or_dir: str, model: str, *args, source: str = "github", trust_repo=None, force_reload: bool = False,
         verbose: bool = True, skip_validation: bool = False, **kwargs):
    """Call entry point `model` of hubconf.py in a local directory or a cached repository."""
    source = source.lower()
    return _entry(_hubconf(_repo_dir(repo_or_dir, source, force_reload)), model)(*args, **kwargs)
