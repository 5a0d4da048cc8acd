"""The administrators' front door (docs/api.md#http-api): what the HTTP API answers, taking its stores as ports."""
