"""Escape Velocity: run a company's social media program, not a help desk."""

__version__ = "0.1.0"
