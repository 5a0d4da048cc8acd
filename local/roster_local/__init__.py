"""The embedded stack: Roster on moto, on one machine."""
