"""The reader's parts, one module per role; ``abicheck.parse`` is its face."""
