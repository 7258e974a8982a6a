"""Decision support on top of plans: why-not, the move-budget frontier, comparing plans."""
