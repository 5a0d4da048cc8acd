"""`roster local serve`: the embedded stack reachable over HTTP on 127.0.0.1 (docs/api.md#command-line)."""
