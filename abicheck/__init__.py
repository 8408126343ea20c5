"""abicheck: read C headers' #define tables and cross-check ABI constants."""

__version__ = "0.1.0"
