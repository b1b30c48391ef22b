"""Synthetic demo incidents for demos and benchmarks."""
