"""Workbook uploads (docs/csv-format.md, "Excel workbooks"): how long a 150,000-row workbook takes
to read (the safety checks, the scan and the parse: everything before the rules), the peak memory
of that read, and how fast zip bombs are refused.

Each read runs in a fresh process, so its peak resident memory is its own: the process's peak
during the read (Linux's VmHWM, reset just before it), and that less what it held just before
(the file's bytes and the imported modules). Medians of --runs runs.

    --compare  also reads a 100,000 x 15 workbook with python-calamine and with openpyxl
               (read-only, the alternative), once each: the README's dependency table cites it.

Run: PYTHONPATH=. .venv/bin/python bench/workbook.py [--rows N] [--runs N] [--compare]"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from roster.contract.columns import CURRENT_COLUMNS
from tests.workbooks import one_sheet

FIRST = ["Oliver", "Amelia", "Zoë", "José", "Ngozi", "Priya", "Wojciech", "Siobhan", "Muhammad", "Grace"]
LAST = ["Smith", "Jones", "O'Brien", "Nowak", "Okafor", "Müller", "Patel", "Smith-Jones", "Clarke", "Hughes"]
UNITS = ["Cardiology", "Radiology", "Oncology", "Maternity", "Emergency", "Pharmacy", ""]


def users_workbook(rows: int, seed: int = 7) -> bytes:
    """A current-format workbook as Excel saves one: shared strings, a third of the mobile
    numbers typed as numbers (Excel's doing), the rest as text."""
    rng = random.Random(seed)
    table: list[list[object]] = [list(CURRENT_COLUMNS)]
    for n in range(rows):
        mobile: object = 447900000000 + n if n % 3 == 0 else f"07{900000000 + n:09d}"
        table.append([rng.choice(["Dr", "Mr", "Ms", ""]), rng.choice(FIRST), f"{rng.choice(LAST)}{n}", "",
                      rng.choice(["Staff Nurse", "Porter", "Consultant"]), f"RX{n % 20}", rng.choice(UNITS),
                      f"020 7946 {n % 10000:04d}", mobile, rng.choice(["", "4", "4GB"]), "", "", ""])
    return one_sheet(table)


def wide_workbook(rows: int, columns: int = 15) -> bytes:
    table: list[list[object]] = [[f"Column {c}" for c in range(columns)]]
    table += [[f"Name{r}", f"Last{r}", 447912000000 + r, *(f"v{r}-{c}" for c in range(columns - 3))]
              for r in range(rows)]
    return one_sheet(table)


def _child(path: str, reader: str) -> None:
    """Runs in a fresh process: read the file once, print seconds and memory as JSON."""
    raw = Path(path).read_bytes()
    if reader == "roster":
        from roster.contract.upload_file import read_upload

        def read() -> int:
            return sum(1 for _ in read_upload(raw, 1 << 30))
    elif reader == "calamine":
        from python_calamine import CalamineWorkbook

        def read() -> int:
            return sum(1 for _ in CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_index(0).iter_rows())
    else:
        from openpyxl import load_workbook

        def read() -> int:
            sheet = load_workbook(io.BytesIO(raw), read_only=True).worksheets[0]
            return sum(1 for _ in sheet.iter_rows(values_only=True))
    # The peak is the kernel's high-water mark, reset here to what the process holds now (ru_maxrss
    # would keep the parent's peak across fork and exec).
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    rows = read()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _status_kib("VmHWM")
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak / 1024,
                      "read_mib": (peak - before) / 1024}))


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _measure(path: Path, reader: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", str(path), reader], capture_output=True, text=True,
                          check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _median_read(path: Path, reader: str, runs: int) -> dict[str, float]:
    results = [_measure(path, reader) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def _bombs(runs: int) -> None:
    from roster.contract.findings import FileRejected
    from roster.contract.upload_file import read_upload

    plain = one_sheet([list(CURRENT_COLUMNS), ["Dr", "Jane", "Doe"]])
    honest = io.BytesIO(plain)
    with zipfile.ZipFile(honest, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\0" * (1 << 30))  # 1 GiB of zeros: ~1 MB packed
    raw = honest.getvalue()
    ratio = zipfile.ZipFile(io.BytesIO(raw)).getinfo("xl/media/zeros.bin").file_size // len(raw)

    def refusals(bomb: bytes) -> list[float]:
        """Seconds to each refusal (a read that is not refused is not counted)."""
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            try:
                list(read_upload(bomb, 1 << 30))
            except FileRejected:
                times.append(time.perf_counter() - started)
        return times

    times = refusals(raw)
    print(f"zip bomb, {len(raw) / 1e6:.1f} MB unpacking to 1 GiB ({ratio:,}x): refused in "
          f"{statistics.median(times) * 1000:.1f} ms (median of {len(times)}), from the central directory")
    times = refusals(_lying(raw, "xl/media/zeros.bin"))
    print(f"lying zip bomb, the same part declared as 100 bytes: refused in {statistics.median(times) * 1000:.1f} ms "
          f"(median of {len(times)}), after unpacking at most 1 MB of it")


def _lying(raw: bytes, name: str) -> bytes:
    import struct
    import zlib

    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    data = bytearray(raw)
    crc = zlib.crc32(b"\0" * 100)
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, info.header_offset + 22, 100)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46: central + 46 + length]) == name.encode():
            struct.pack_into("<I", data, central + 16, crc)
            struct.pack_into("<I", data, central + 24, 100)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "users.xlsx"
        path.write_bytes(users_workbook(args.rows))
        sheet = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
        print(f"{args.rows:,}-row workbook: {path.stat().st_size / 1e6:.1f} MB, "
              f"its sheet {sheet.file_size / 1e6:.0f} MB unpacked")
        figures = _median_read(path, "roster", args.runs)
        print(f"read (checks, scan, parse, {figures['rows']:,.0f} records): {figures['seconds']:.2f} s "
              f"({figures['cpu_seconds']:.2f} s of CPU), peak {figures['peak_mib']:.0f} MiB "
              f"({figures['read_mib']:.0f} MiB for the read); median of {args.runs}; load average "
              f"{os.getloadavg()[0]:.1f}")
        if args.compare:
            wide = Path(folder) / "wide.xlsx"
            wide.write_bytes(wide_workbook(100_000))
            for reader in ("calamine", "openpyxl"):
                once = _measure(wide, reader)
                print(f"100,000 x 15 with {reader}: {once['seconds']:.1f} s ({once['cpu_seconds']:.1f} s of CPU), "
                      f"peak {once['peak_mib']:.0f} MiB "
                      f"({once['read_mib']:.0f} MiB for the read)")
    _bombs(args.runs)


if __name__ == "__main__":
    main()
