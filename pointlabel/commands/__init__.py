"""CLI sub-commands, one module per feature; each has `register(subparsers)`."""
