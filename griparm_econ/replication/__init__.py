"""Replication: reported estimates, the one-command check, the provenance manifest."""
