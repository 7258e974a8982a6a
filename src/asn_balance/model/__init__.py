"""The model layer: domain codes, the Policy, the input schema and its validation, the readers
of input files, the canonical hash, :class:`Problem` and the ABK computations.

It is the top of the one-way flow (see ``docs/architecture.md``): nothing here imports any
other layer of the package, lazily or not.
"""
