"""`roster local run`: uploads run through the embedded stack's deployed functions."""
