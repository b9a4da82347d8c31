"""Salvo: an open incident tracker for drone, rocket and missile attacks."""
__version__ = "0.1.0"
