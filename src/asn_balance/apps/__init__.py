"""Applications: the command line, the HTTP service and batch planning."""
