"""Scheduled work: the weekly digest and the stale-lead nudges."""
