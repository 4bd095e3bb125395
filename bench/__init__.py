"""Benchmarks, run by hand: `python -m bench.<name>`; results land in bench/results/."""
