"""Subcommands of ``h5gui-cli`` that live in their own modules (Qt-free, like ``h5gui.cli``).

Each module exposes ``add_parser(subparsers, common)`` (``common`` is the parent parser with the
shared options; each subcommand parser sets ``func``) and the functions its subcommands run.
"""
