"""Pure computations for rotmon: pandas in, frozen results out; no I/O, no clock."""
