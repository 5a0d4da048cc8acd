"""The administrators' front door (api.md section 2): what the HTTP API answers, taking its stores as ports."""
