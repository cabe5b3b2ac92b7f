"""Board pattern ("buffer") files in the formats CMSSW's ``L1Trigger/DemonstratorTools``
reads and writes: EMP v1, EMP v2 and APx.  :class:`BoardData` holds the frames of every link
(64-bit data, valid, start and end of packet, start of orbit) as arrays; one writer and one
reader per format.

* EMP v1: ``Board NAME``, `` Quad/Chan :`` and ``      Link :`` headers, then
  ``Frame NNNN :`` rows of ``1v0123456789abcdef`` tokens (valid bit, 16 hex digits).
* EMP v2: ``ID: NAME``, the ``Metadata: (strobe,) start of orbit, start of packet, end of
  packet, valid`` line, ``      Link  `` header, then ``Frame NNNN  `` rows of
  ``OPEV 0123456789abcdef`` tokens separated by two spaces.
* APx: ``#Sideband ON``, ``#LinkLabel`` with ``LINK_NN`` columns, ``#BeginData``, then rows
  ``0xNNNN`` followed per link by the sideband (bit 0 valid, 1 start, 3 end) and the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import TrigcError

FORMATS = ("emp", "emp2", "apx")


class PatternError(TrigcError):
    """A pattern file cannot be read."""


@dataclass(frozen=True)
class BoardData:
    """Frames ``(n, links)`` of every link: data (uint64) and flags (bool)."""

    name: str
    links: tuple[int, ...]
    data: np.ndarray
    valid: np.ndarray
    start: np.ndarray
    end: np.ndarray
    orbit: np.ndarray

    @classmethod
    def of(
        cls,
        name: str,
        links: tuple[int, ...],
        data: np.ndarray,
        valid: np.ndarray,
        start: np.ndarray | None = None,
        end: np.ndarray | None = None,
        orbit: np.ndarray | None = None,
    ) -> BoardData:
        zeros = np.zeros(data.shape, dtype=bool)
        return cls(
            name,
            tuple(links),
            np.asarray(data, dtype=np.uint64),
            np.asarray(valid, dtype=bool),
            zeros if start is None else np.asarray(start, dtype=bool),
            zeros if end is None else np.asarray(end, dtype=bool),
            zeros.copy() if orbit is None else np.asarray(orbit, dtype=bool),
        )

    @property
    def frames(self) -> int:
        return len(self.data)

    def select(self, links: tuple[int, ...]) -> BoardData:
        """Only the given links, in that order."""
        missing = [k for k in links if k not in self.links]
        if missing:
            raise PatternError(f"the pattern file has no link(s) {missing}; it has {self.links}")
        cols = [self.links.index(k) for k in links]
        return BoardData(
            self.name,
            links,
            *(a[:, cols] for a in (self.data, self.valid, self.start, self.end, self.orbit)),
        )


# -- writers -----------------------------------------------------------------------------------
def _emp_v1(b: BoardData) -> str:
    lines = [f"Board {b.name}"]
    lines.append(
        " Quad/Chan :" + "".join(f"         q{k // 4:02d}c{k % 4}       " for k in b.links)
    )
    lines.append("      Link :" + "".join(f"          {k:03d}        " for k in b.links))
    for i in range(b.frames):
        tokens = "".join(
            f"   {int(b.valid[i, j])}v{int(b.data[i, j]):016x}" for j in range(len(b.links))
        )
        lines.append(f"Frame {i:04d} :{tokens}")
    return "\n".join(lines) + "\n"


def _emp_v2(b: BoardData) -> str:
    lines = [
        f"ID: {b.name}",
        "Metadata: (strobe,) start of orbit, start of packet, end of packet, valid",
        "",
        "      Link  " + "".join(f"            {k:03d}        " for k in b.links),
    ]
    for i in range(b.frames):
        tokens = "".join(
            f"  {int(b.orbit[i, j])}{int(b.start[i, j])}{int(b.end[i, j])}{int(b.valid[i, j])}"
            f" {int(b.data[i, j]):016x}"
            for j in range(len(b.links))
        )
        lines.append(f"Frame {i:04d}  {tokens}")
    return "\n".join(lines) + "\n"


def _apx(b: BoardData) -> str:
    lines = [
        "#Sideband ON",
        "#LinkLabel" + "".join(f"                LINK_{k:02d}    " for k in b.links),
    ]
    lines.append("#BeginData")
    for i in range(b.frames):
        row = f"0x{i:04x}"
        for j in range(len(b.links)):
            sideband = int(b.valid[i, j]) | int(b.start[i, j]) << 1 | int(b.end[i, j]) << 3
            row += f"    0x{sideband:02x} 0x{int(b.data[i, j]):016x}"
        lines.append(row)
    return "\n".join(lines) + "\n"


WRITERS = {"emp": _emp_v1, "emp2": _emp_v2, "apx": _apx}


def write_pattern(board: BoardData, path: Path, fmt: str) -> Path:
    if fmt not in WRITERS:
        raise PatternError(f"unknown pattern format {fmt!r}; valid: {', '.join(FORMATS)}")
    Path(path).write_text(WRITERS[fmt](board))
    return Path(path)


# -- readers -----------------------------------------------------------------------------------
_EMP1_TOKEN = re.compile(r"([01]s)?([01])v([0-9a-fA-F]{16})")
_EMP2_TOKEN = re.compile(r"([01])?([01])([01])([01])([01]) ([0-9a-fA-F]{16})")


def _content(lines: list[str]) -> list[str]:
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _build(name: str, links: list[int], rows: list[list[tuple]], where: str) -> BoardData:
    if any(len(r) != len(links) for r in rows):
        raise PatternError(f"{where}: a frame has a different number of words than links")
    shape = (len(rows), len(links))
    arrays = [np.zeros(shape, dtype=np.uint64)] + [np.zeros(shape, dtype=bool) for _ in range(4)]
    for i, row in enumerate(rows):
        for j, (data, valid, start, end, orbit) in enumerate(row):
            arrays[0][i, j] = data
            arrays[1][i, j], arrays[2][i, j], arrays[3][i, j], arrays[4][i, j] = (
                valid,
                start,
                end,
                orbit,
            )
    return BoardData(name, tuple(links), *arrays)


def _read_emp_v1(lines: list[str], where: str) -> BoardData:
    body = _content(lines)
    if len(body) < 3 or not body[0].startswith("Board "):
        raise PatternError(f"{where}: an EMP v1 file starts with 'Board NAME'")
    if not body[1].lstrip().startswith("Quad/Chan :") or not body[2].lstrip().startswith("Link :"):
        raise PatternError(f"{where}: expected the 'Quad/Chan :' and 'Link :' header lines")
    links = [int(t) for t in body[2].split(":", 1)[1].split()]
    rows = []
    for i, line in enumerate(body[3:]):
        prefix = f"Frame {i:04d} :"
        if not line.startswith(prefix):
            raise PatternError(f"{where}: expected a line starting with {prefix!r}: {line[:40]!r}")
        row = []
        for token in line[len(prefix) :].split():
            m = _EMP1_TOKEN.fullmatch(token)
            if not m:
                raise PatternError(f"{where}: frame {i}: token {token!r} is not like 1v<16 hex>")
            row.append((int(m[3], 16), m[2] == "1", False, False, False))
        rows.append(row)
    return _build(body[0][6:], links, rows, where)


def _read_emp_v2(lines: list[str], where: str) -> BoardData:
    body = _content(lines)
    if len(body) < 3 or not body[0].startswith("ID: "):
        raise PatternError(f"{where}: an EMP v2 file starts with 'ID: NAME'")
    if not body[1].startswith("Metadata: (strobe,) start of orbit, start of packet"):
        raise PatternError(f"{where}: expected the 'Metadata:' line after 'ID:'")
    if not body[2].lstrip().startswith("Link"):
        raise PatternError(f"{where}: expected the 'Link' header line")
    links = [int(t) for t in body[2].split()[1:]]
    rows = []
    for i, line in enumerate(body[3:]):
        prefix = f"Frame {i:04d}  "
        if not line.startswith(prefix):
            raise PatternError(f"{where}: expected a line starting with {prefix!r}: {line[:40]!r}")
        row = []
        for token in re.split(r"\s\s+", line[len(prefix) :].strip()):
            m = _EMP2_TOKEN.fullmatch(token)
            if not m:
                raise PatternError(f"{where}: frame {i}: token {token!r} is not like 'OPEV <hex>'")
            row.append((int(m[6], 16), m[5] == "1", m[3] == "1", m[4] == "1", m[2] == "1"))
        rows.append(row)
    return _build(body[0][4:], links, rows, where)


def _read_apx(lines: list[str], where: str) -> BoardData:
    body = [line for line in lines if line.strip()]
    if body and body[0].startswith("#Sideband"):
        body = body[1:]
    if not body or not body[0].startswith("#LinkLabel"):
        raise PatternError(f"{where}: an APx file has a '#LinkLabel' line")
    links = []
    for token in body[0][len("#LinkLabel") :].split():
        if not re.fullmatch(r"LINK_\d+", token):
            raise PatternError(f"{where}: link column {token!r} is not LINK_<number>")
        links.append(int(token[5:]))
    if len(body) < 2 or body[1].strip() != "#BeginData":
        raise PatternError(f"{where}: the '#BeginData' line is missing")
    rows = []
    for i, line in enumerate(body[2:]):
        tokens = line.split()
        if len(tokens) != 2 * len(links) + 1 or int(tokens[0], 16) != i:
            raise PatternError(f"{where}: data row {i} is malformed: {line[:60]!r}")
        row = []
        for j in range(len(links)):
            side, word = int(tokens[1 + 2 * j], 16), int(tokens[2 + 2 * j], 16)
            row.append((word, bool(side & 1), bool(side & 2), bool(side & 8), False))
        rows.append(row)
    return _build("", links, rows, where)


READERS = {"emp": _read_emp_v1, "emp2": _read_emp_v2, "apx": _read_apx}


def detect_format(text: str) -> str:
    """The format of a pattern file from its first content line."""
    for line in text.splitlines():
        if line.startswith("#Sideband") or line.startswith("#LinkLabel"):
            return "apx"
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("ID: "):
            return "emp2"
        if line.startswith("Board "):
            return "emp"
        break
    raise PatternError("not an EMP v1, EMP v2 or APx pattern file")


def read_pattern(path: Path, fmt: str | None = None) -> BoardData:
    """Read a pattern file (``fmt`` detected from its header when not given)."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise PatternError(f"{path}: cannot read the pattern file ({exc.strerror})") from None
    try:
        fmt = fmt or detect_format(text)
    except PatternError as exc:
        raise PatternError(f"{path}: {exc}") from None
    if fmt not in READERS:
        raise PatternError(f"unknown pattern format {fmt!r}; valid: {', '.join(FORMATS)}")
    return READERS[fmt](text.splitlines(), str(path))
