"""The compile layer: who may move where (eligibility, each exclusion with a rule name),
the employees' wishes, the unit rules and the objective terms, turned into a generic
:class:`~asn_balance.engine.AssignmentModel`."""
