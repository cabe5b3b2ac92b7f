"""trigc."""
