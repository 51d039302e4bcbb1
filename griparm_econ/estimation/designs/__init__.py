"""Causal-design estimators: difference-in-differences, event studies, synthetic control."""
