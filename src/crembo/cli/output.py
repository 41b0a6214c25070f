"""What the commands print with: a rich console on stdout, imported when a command runs."""

from __future__ import annotations

import sys


def console(soft_wrap: bool = True):
    """A rich console on the current stdout (built per call: the test runner swaps stdout)."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=soft_wrap)
