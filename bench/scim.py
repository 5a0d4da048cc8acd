"""SCIM on `roster local serve` (docs/scim.md): sustained requests per second for one
organisation's token, and p95 latency of GET /Users/{id} and PATCH. Loopback only, bounded:
`--users` creates (default 30), then `--requests` (default 300) GETs and PATCHes alternating,
`--runs` times (default 3), from `--clients` concurrent clients (default 1); prints the median
of the runs. Start the server first:

    roster local serve --directory examples/directory.json --port 8765 --admin-password P &
    ROSTER_PASSWORD=P roster login --url http://127.0.0.1:8765 --email admin@example.nhs.net
    python bench/scim.py --url http://127.0.0.1:8765 --token "$(roster scim token --ods RX1 --json | jq -r .token)"
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid

import requests

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"
TITLES = ("Staff Nurse", "Ward Sister")


def _letters(hex_text: str) -> str:
    """Names take letters only: a unique surname from hex digits."""
    return "".join(chr(ord("a") + int(c, 16)) for c in hex_text).title()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] * 1000


def one_run(session: requests.Session, base: str, users: int, count: int, clients: int) -> dict[str, float]:
    """Create `users`, then `count` requests from `clients` concurrent clients (as a provider sends them)."""
    tag = uuid.uuid4().hex[:6]
    ids = []
    for n in range(users):
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"b{tag}{n}@bench.example",
                "name": {"givenName": "Bench", "familyName": _letters(f"{tag}{n:04x}")}, "active": True}
        response = session.post(f"{base}/Users", data=json.dumps(body), timeout=30)
        response.raise_for_status()
        ids.append(response.json()["id"])
    gets: list[float] = []
    patches: list[float] = []

    def client(first: int) -> None:
        own = requests.Session()
        own.headers.update(session.headers)
        for n in range(first, count, clients):
            user = ids[n % len(ids)]  # each client its own users: no two clients patch one user at once
            begun = time.perf_counter()
            if n % 2 == 0:
                own.get(f"{base}/Users/{user}", timeout=30).raise_for_status()
                gets.append(time.perf_counter() - begun)
            else:
                patch = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "title",
                                                                "value": TITLES[(n // 2) % 2]}]}
                answer = own.patch(f"{base}/Users/{user}", data=json.dumps(patch), timeout=30)
                assert answer.status_code == 200, answer.text
                patches.append(time.perf_counter() - begun)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(first,)) for first in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"requests_per_s": count / elapsed, "get_p95_ms": _p95(gets), "patch_p95_ms": _p95(patches)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=1, help="concurrent clients (Entra sends in parallel)")
    args = parser.parse_args()
    if not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("--url: loopback only (roster local serve on this machine)")
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {args.token}", "Content-Type": SCIM_JSON})
    runs = [one_run(session, f"{args.url}/scim/v2", args.users, min(args.requests, 2000), min(args.clients, 8))
            for _ in range(min(args.runs, 9))]
    for run in runs:
        print(json.dumps({k: round(v, 1) for k, v in run.items()}))
    print("median", json.dumps({key: round(statistics.median(r[key] for r in runs), 1) for key in runs[0]}))


if __name__ == "__main__":
    main()
