"""Helpers for tests, samples and benchmarks — not part of the library users import.

- `fill`: fill a template through its defined names (as a program would: no recalculation);
- `synth`: synthetic returns varied from a seed, kept only when `check` finds nothing;
- `libreoffice_fill` (+ `lo_script`, run by LibreOffice's own Python): a real LibreOffice typing
  values in, as a person would.
"""
