"""Approving and cancelling uploads that wait for a second administrator (csv-contract 10):
the domain calls behind `POST /uploads/{id}/approve` and `/cancel`, `roster approve` and
`roster cancel`, `roster local run --approve-as`, and the sweeper's expiry of old waits."""
