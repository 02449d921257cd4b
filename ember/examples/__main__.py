"""``python -m ember.examples``: list the runnable examples."""
import importlib
import pkgutil

import ember.examples as examples

if __name__ == "__main__":
    print("Runnable examples (python -m ember.examples.<name> --help for options):")
    for info in pkgutil.iter_modules(examples.__path__):
        if not info.name.startswith("_"):
            doc = (importlib.import_module(f"ember.examples.{info.name}").__doc__ or "").strip().splitlines()
            print(f"  {info.name:<14} {doc[0] if doc else ''}")
