"""Subcommands of ``h5gui-cli`` that live in their own modules (Qt-free, like ``h5gui.cli``).

Each module exposes ``add_parser(subparsers) -> argparse.ArgumentParser`` (which sets
``func=run`` on its parser) and ``run(args) -> int``.
"""
