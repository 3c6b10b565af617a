"""`python -m xltools …` — the same as the `xltools` command."""

from xltools.cli import main

main()
