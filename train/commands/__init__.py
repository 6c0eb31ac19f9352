"""The command line: one module per group of `python -m train` commands (`train.cli` picks
the module, so `validate` never imports torch). Commands parse arguments, call the library
layers below and print; nothing below imports from here (the layers contract in
pyproject.toml, checked by `lint-imports` in the test suite)."""
