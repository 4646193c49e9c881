"""Subcommands of the `journey` CLI, one module each, each a thin layer over the core."""
