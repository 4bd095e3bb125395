"""Benchmarks, run by hand: `python -m bench` for every figure of the speed targets (into
BENCHMARKS.md), `python -m bench.<name>` for one; results land in bench/results/."""
