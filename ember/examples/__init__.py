"""Small runnable examples: ``python -m ember.examples.<name>``."""
