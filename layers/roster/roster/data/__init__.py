"""Data files of the domain package (the list of well-known passwords)."""
