"""Readers: one module per input format, each turning a file into records and row errors."""
