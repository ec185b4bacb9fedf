"""p95kit's version, in a base module every layer may import (the package facade re-exports it)."""

__version__ = "0.1.0"
