"""The evaluate layer: the one place that turns a set of moves into a :class:`Result`
(staff after, objective terms, EJ and bands, reasons, training)."""
