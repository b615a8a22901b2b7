"""fanloop's platform-neutral core.

Nothing in this package (except :mod:`bot.app`, the composition root, and the CLI that
imports it) may import an adapter or a platform library; ``tests/test_layering.py`` checks.
"""

__version__ = "0.1.0"
