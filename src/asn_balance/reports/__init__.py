"""Outputs for people: the HTML report, plots, notebook cards."""
