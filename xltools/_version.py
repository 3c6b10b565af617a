"""The version of xltools: read by the package and, without importing it, by the build (pyproject)."""

__version__ = "0.5.0"
