"""Loaded (capacitated, GAP-shaped) models: construction, column generation, LNS."""
