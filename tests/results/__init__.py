"""Expected values for the reference tests, each with the command and publication it comes from."""
