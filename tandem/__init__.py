"""Tandem's process entry points: settings, the command line and the composition root."""
