"""Ruled tables on scanned pages, read as rows that carry their headers (as Word tables are).

Tesseract reads a ruled table badly as it is: its lines break the page into blocks, a short cell
("1", "Trong ngày") next to a line is often dropped, and what is read comes out as one run of
words a row, cut from the column it belongs to. So before a page is read, its ruled tables are
found from the image itself — long runs of dark pixels, horizontal and vertical, that cross one
another — and their lines painted white; the page is then read once as usual, and each word the
table's grid holds is put in its cell by the centre of its box. ``ingest/ocr.py`` writes each
table as one "Header: value; Header: value." line a row (``ingest/formats.header_rows``), the
form ``assistant/index/tables.py`` reads back, where the table stood among the page's text.

numpy only: a sliding-window sum along each axis finds the runs in tens of milliseconds a page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DARK = 128  # a pixel darker than this is ink
MIN_LINE_MM = (20.0, 6.0)  # a horizontal rule spans at least 2 cm, a vertical one 6 mm: no letter does
SPAN = 0.6  # a boundary crosses at least this share of its table (a merged cell's stub is not one)
TOUCH_PX = 12  # how far apart two lines may be and still meet (a scan's rules are not exact)
MERGE_PX = 15  # boundaries closer than this are one (a double rule, a thick line scanned as two)
MAX_SKEW = 5.0  # degrees a ruled page is searched for skew either way (a sheet fed askew)


@dataclass(frozen=True)
class Line:
    at: float  # y of a horizontal line, x of a vertical one
    lo: int  # where it starts along its own direction
    hi: int
    width: int  # its thickness in pixels


@dataclass(frozen=True)
class Grid:
    """A ruled table: its row boundaries (y) and column boundaries (x), in pixels."""

    ys: list[float]
    xs: list[float]
    lines: list[tuple[bool, Line]]  # (horizontal, line): what is painted out before reading

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) of the point, or None outside the grid."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        row = int(np.searchsorted(self.ys, y, side="right")) - 1
        col = int(np.searchsorted(self.xs, x, side="right")) - 1
        return min(row, len(self.ys) - 2), min(col, len(self.xs) - 2)


def _lines(ink: np.ndarray, length: int) -> list[Line]:
    """The horizontal runs of at least ``length`` ink pixels, rows next to each other joined."""
    # Only a row holding that much ink at all can hold such a run: text rows are skipped unsummed.
    candidates = np.flatnonzero(ink.sum(axis=1) >= length)
    if not len(candidates):
        return []
    sums = np.cumsum(ink[candidates], axis=1, dtype=np.int32)
    sums = np.pad(sums, ((0, 0), (1, 0)))
    full = (sums[:, length:] - sums[:, :-length]) == length  # full[r, x]: a run from x to x+length
    keep = full.any(axis=1)
    rows, full = candidates[keep], full[keep]
    out: list[Line] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i] != rows[i - 1] + 1:
            # One line a stretch: two tables' rules in one row (or column) are two lines.
            xs = np.flatnonzero(full[start:i].any(axis=0))
            cuts = np.flatnonzero(np.diff(xs) > TOUCH_PX)
            for lo, hi in zip(np.r_[0, cuts + 1], np.r_[cuts, len(xs) - 1], strict=True):
                out.append(Line(float(rows[start:i].mean()), int(xs[lo]), int(xs[hi]) + length, i - start))
            start = i
    return out


def _merged(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] < MERGE_PX:
            continue
        out.append(v)
    return out


def find_grids(gray: np.ndarray, dpi: int) -> list[Grid]:
    """The ruled tables of a page image (grey levels, 0 black): at least two rows and two columns."""
    ink = gray < DARK
    per_mm = dpi / 25.4
    horizontal = _lines(ink, max(20, int(MIN_LINE_MM[0] * per_mm)))
    vertical = _lines(ink.T, max(20, int(MIN_LINE_MM[1] * per_mm)))
    if len(horizontal) < 2 or len(vertical) < 2 or len(horizontal) > 400 or len(vertical) > 400:
        return []
    # Tables are the connected sets of lines that cross (union-find over the crossings).
    lines = [(True, h) for h in horizontal] + [(False, v) for v in vertical]
    parent = list(range(len(lines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(horizontal):
        for j, v in enumerate(vertical):
            if h.lo - TOUCH_PX <= v.at <= h.hi + TOUCH_PX and v.lo - TOUCH_PX <= h.at <= v.hi + TOUCH_PX:
                parent[root(i)] = root(len(horizontal) + j)
    groups: dict[int, list[tuple[bool, Line]]] = {}
    for i, item in enumerate(lines):
        groups.setdefault(root(i), []).append(item)
    grids = []
    for group in groups.values():
        hs = [ln for is_h, ln in group if is_h]
        vs = [ln for is_h, ln in group if not is_h]
        if len(hs) < 2 or len(vs) < 2:
            continue
        left, right = min(v.at for v in vs), max(v.at for v in vs)
        top, bottom = min(h.at for h in hs), max(h.at for h in hs)
        ys = _merged([h.at for h in hs if h.hi - h.lo >= SPAN * (right - left)])
        xs = _merged([v.at for v in vs if v.hi - v.lo >= SPAN * (bottom - top)])
        if len(ys) >= 3 and len(xs) >= 3:  # a header row and a row under it, two columns
            grids.append(Grid(ys, xs, group))
    return sorted(grids, key=lambda g: g.ys[0])


def has_rules(gray: np.ndarray, dpi: int) -> bool:
    """Whether the page draws any rule at all (a horizontal run of 5 mm: no letter has one), level
    or not: a skewed table's rules still do, in pieces."""
    return bool(_lines(gray < DARK, max(10, int(5 * dpi / 25.4))))


def skew_angle(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise) that levels the page's lines, 0.0 when within 0.2°:
    the rotation under which the ink's row profile is sharpest (projection profile, on a quarter-
    size image: a few milliseconds an angle). A ruled table skewed by more than about 0.5° has no
    level run left for ``find_grids`` to find."""
    from PIL import Image

    small = Image.fromarray(((gray[::4, ::4] < DARK) * 255).astype(np.uint8))

    def sharpness(angle: float) -> float:
        profile = np.asarray(small.rotate(angle, resample=Image.Resampling.BILINEAR), dtype=np.float32).sum(
            axis=1
        )
        return float(np.square(np.diff(profile)).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=sharpness)
    return round(float(fine), 1) if abs(fine) >= 0.2 else 0.0


def erase(gray: np.ndarray, grids: list[Grid]) -> np.ndarray:
    """The page with the grids' rules painted white, so Tesseract sees only the cells' words."""
    out = gray.copy()
    pad = 2
    for grid in grids:
        for is_h, ln in grid.lines:
            a, b = int(ln.at - ln.width / 2) - pad, int(ln.at + ln.width / 2) + pad + 1
            if is_h:
                out[max(0, a) : b, max(0, ln.lo - pad) : ln.hi + pad] = 255
            else:
                out[max(0, ln.lo - pad) : ln.hi + pad, max(0, a) : b] = 255
    return out
