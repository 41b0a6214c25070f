"""``python -m crembo.cli``: the ``crembo`` command."""

from crembo.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
