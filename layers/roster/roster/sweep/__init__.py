"""The sweeper: starts what no event starts and ends what nothing else ends (step.py)."""
