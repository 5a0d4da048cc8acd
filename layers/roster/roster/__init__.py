"""Roster: bulk create, update and retire directory accounts from a CSV upload."""
