"""Estimation: spec models -> fitted results (linearmodels and statsmodels underneath)."""
