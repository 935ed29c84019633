"""Render the reconciliation report in headless Chromium: the screenshot is not blank and the rendered DOM has the
findings table and the three SVG charts.

Needs the Debian packages `chromium` (/usr/bin/chromium) and `fonts-noto-cjk` (so the Chinese text renders);
skipped when /usr/bin/chromium is absent. Set JIXIAO_REPORT_SCREENSHOT=/some/file.png to keep the screenshot.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from ingest.report import build_report
from tests.test_report import RUN, make_warehouse

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1280, 2400)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed "
                                                              "(apt-get install chromium fonts-noto-cjk)")


def run_chromium(workdir: Path, url: str, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Headless Chromium with a fresh profile and every network-ish background service off."""
    profile = workdir / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    args = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *extra, url]
    env = dict(os.environ, HOME=str(workdir))
    return subprocess.run(args, capture_output=True, timeout=timeout, env=env)


# --- a tiny PNG decoder (8-bit greyscale/RGB/RGBA, non-interlaced), enough for Chromium screenshots ----------------

def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes, max_rows: int | None = None) -> tuple[int, int, int, list[bytes]]:
    """Returns width, height, bytes per pixel and the unfiltered rows (at most max_rows of them)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, bytearray(), None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"IEND":
            break
        pos += 12 + length
    assert ihdr is not None
    width, height, depth, color, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0 and color in (0, 2, 4, 6), ihdr
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    stride = width * bpp
    raw = zlib.decompress(bytes(idat))
    rows: list[bytes] = []
    prev = bytearray(stride)
    n = height if max_rows is None else min(height, max_rows)
    for y in range(n):
        off = y * (stride + 1)
        ftype, line = raw[off], bytearray(raw[off + 1:off + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                c = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(a, prev[i], c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def pixel_stats(rows: list[bytes], bpp: int, step: int = 3) -> tuple[float, int, float]:
    """Luminance variance, number of distinct sampled colours and the share of non-background pixels."""
    lum: list[float] = []
    colours: set[bytes] = set()
    for y in range(0, len(rows), step):
        r = rows[y]
        for x in range(0, len(r) - bpp + 1, bpp * step):
            px = r[x:x + bpp]
            colours.add(px)
            lum.append(px[0] if bpp < 3 else 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2])
    mean = sum(lum) / len(lum)
    var = sum((v - mean) ** 2 for v in lum) / len(lum)
    background = max(set(lum), key=lum.count) if len(lum) < 50000 else round(mean)
    ink = sum(1 for v in lum if abs(v - background) > 30) / len(lum)
    return var, len(colours), ink


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("render")
    con = make_warehouse(tmp / "wh.duckdb")
    try:
        paths = build_report(con, RUN, tmp / "reports", summary={"ingest": {"files": 5, "loaded": 1,
                                                                            "unchanged": 1, "superseded": 1,
                                                                            "rejected": 2, "rows": 120}})
    finally:
        con.close()
    return paths.html


def test_screenshot_not_blank(report: Path, tmp_path: Path):
    png = tmp_path / "report.png"
    res = run_chromium(tmp_path, report.as_uri(), f"--screenshot={png}", f"--window-size={WINDOW[0]},{WINDOW[1]}")
    assert png.is_file(), f"no screenshot (rc={res.returncode}): {res.stderr.decode(errors='replace')[-2000:]}"
    keep = os.environ.get("JIXIAO_REPORT_SCREENSHOT")
    if keep:
        shutil.copyfile(png, keep)
    width, height, bpp, rows = decode_png(png.read_bytes(), max_rows=1400)
    assert (width, height) == WINDOW
    var, colours, ink = pixel_stats(rows, bpp)
    assert var > 200, f"screenshot looks blank (luminance variance {var:.1f})"
    assert colours > 20, f"screenshot has only {colours} colours"
    assert ink > 0.02, f"screenshot is almost empty ({ink:.1%} non-background pixels)"


def test_rendered_dom_has_findings_and_charts(report: Path, tmp_path: Path):
    res = run_chromium(tmp_path, report.as_uri(), "--dump-dom")
    dom = res.stdout.decode("utf-8", errors="replace")
    assert res.returncode == 0 and dom, res.stderr.decode(errors="replace")[-2000:]
    assert re.search(r'<table id="findings"', dom)
    for chart in ("chart-budget", "chart-rate", "chart-score"):
        m = re.search(rf'<svg id="{chart}"[^>]*>(.*?)</svg>', dom, re.S)
        assert m, chart
        assert "<rect" in m.group(1), f"{chart} has no bars"
    assert "-10,261,121.06" in dom
    assert "<script" not in dom.lower()          # the hostile <script> name stayed text
    assert "&lt;script&gt;" in dom
