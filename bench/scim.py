"""SCIM on `roster local serve` (docs/scim.md): sustained requests per second for one
organisation's token, and p95 latency of GET /Users/{id} and PATCH. Loopback only, bounded:
`--users` creates (default 30), then `--requests` (default 300) GETs and PATCHes alternating,
`--runs` times (default 3); prints the median of the runs. Start the server first:

    roster local serve --directory examples/directory.json --port 8765 --admin-password P &
    ROSTER_PASSWORD=P roster login --url http://127.0.0.1:8765 --email admin@example.nhs.net
    python bench/scim.py --url http://127.0.0.1:8765 --token "$(roster scim token --ods RX1 --json | jq -r .token)"
"""

from __future__ import annotations

import argparse
import json
import statistics
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


def one_run(session: requests.Session, base: str, users: int, count: int) -> dict[str, float]:
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
    started = time.perf_counter()
    for n in range(count):
        user = ids[n % len(ids)]
        begun = time.perf_counter()
        if n % 2 == 0:
            session.get(f"{base}/Users/{user}", timeout=30).raise_for_status()
            gets.append(time.perf_counter() - begun)
        else:
            patch = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "title",
                                                            "value": TITLES[(n // 2) % 2]}]}
            session.patch(f"{base}/Users/{user}", data=json.dumps(patch), timeout=30).raise_for_status()
            patches.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - started
    return {"requests_per_s": count / elapsed, "get_p95_ms": _p95(gets), "patch_p95_ms": _p95(patches)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("--url: loopback only (roster local serve on this machine)")
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {args.token}", "Content-Type": SCIM_JSON})
    runs = [one_run(session, f"{args.url}/scim/v2", args.users, min(args.requests, 2000))
            for _ in range(min(args.runs, 9))]
    for run in runs:
        print(json.dumps({k: round(v, 1) for k, v in run.items()}))
    print("median", json.dumps({key: round(statistics.median(r[key] for r in runs), 1) for key in runs[0]}))


if __name__ == "__main__":
    main()
