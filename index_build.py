"""The admin's reindex entry point: `python index_build.py [--dry-run | --rollback]`, the same as
`protocol-bot index` (adapters/cli/index.py)."""

from __future__ import annotations

import sys

from adapters.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["index", *sys.argv[1:]]))
