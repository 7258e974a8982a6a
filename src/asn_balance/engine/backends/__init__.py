"""Solver backends for :class:`~asn_balance.engine.AssignmentModel`; the dispatcher picks one."""
