"""Build the consent banner: `python build.py [--site FILE] [--check]` (see --help)."""

import sys

from consent_build.cli import main

if __name__ == "__main__":
    sys.exit(main())
