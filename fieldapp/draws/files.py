"""The files a draw publishes (algorithm 2, see docs/draw-algorithm.md):

- the public pool file, ids only (``ID\\n``), and the classed pool file (``ID,CLASS\\n``), both sorted
  by ID in byte order; the classed one is restricted to staff, its hash is public (a commitment);
- the eligible-inspector file (``TEAM\\tCERTIFICATE\\tUNIT\\tSPECIALTIES\\tNAME\\n``, lines sorted);
- canonical JSON, the form in which records of the public chain are hashed.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict


@dataclass
class PoolFiles:
    classed_sha256: str  # SHA-256 of ``ID,CLASS\n`` lines
    ids_sha256: str  # SHA-256 of ``ID\n`` lines (the public pool file)
    classed_compressed: bytes  # zlib of the classed file (the ids file is derived from it)
    length: int  # bytes of the classed file


def digest_pool_files(idents: Sequence[str], classes: Sequence[str], chunk: int = 20_000) -> PoolFiles:
    """Both pool files' hashes and the classed file compressed, written chunk by chunk so that a
    million-line pool never sits in memory as one string."""
    classed, ids = hashlib.sha256(), hashlib.sha256()
    # Level 1: much faster than level 6, and a pool file of ids in sorted order compresses about
    # as small either way (the hashes are of the file itself, never of its compressed form).
    compressor = zlib.compressobj(1)
    parts, length = [], 0
    for start in range(0, len(idents), chunk):
        stop = start + chunk
        part = idents[start:stop]
        ids.update(("\n".join(part) + "\n").encode("utf-8"))
        data = ("\n".join(map(",".join, zip(part, classes[start:stop]))) + "\n").encode("utf-8")
        classed.update(data)
        length += len(data)
        parts.append(compressor.compress(data))
    parts.append(compressor.flush())
    return PoolFiles(classed.hexdigest(), ids.hexdigest(), b"".join(parts), length)


def ids_file(classed: bytes) -> bytes:
    """The public pool file (``ID\\n``) from the classed one (``ID,CLASS\\n``)."""
    if not classed:
        return b""
    lines = classed.split(b"\n")
    return b"\n".join(line.rpartition(b",")[0] for line in lines[:-1]) + b"\n"


INSPECTOR_FIELDS = ("team", "certificate", "unit", "specialties", "name")


def inspector_line(team: str, certificate: str, unit: str, specialties: Iterable[str], name: str) -> str:
    values = [team, certificate, unit, ";".join(sorted(specialties)), name]
    return "\t".join(" ".join(str(v).split()) for v in values) + "\n"


def inspector_file(lines: Iterable[str]) -> bytes:
    """The eligible-inspector file: one line per team member, sorted bytewise, UTF-8."""
    return "".join(sorted(lines, key=lambda line: line.encode("utf-8"))).encode("utf-8")


class InspectorRow(TypedDict):
    """One line of the eligible-inspector file, its specialties split."""

    team: str
    certificate: str
    unit: str
    specialties: list[str]
    name: str


def parse_inspector_file(data: bytes) -> list[InspectorRow]:
    rows = []
    for line in data.decode("utf-8").split("\n")[:-1]:
        fields = dict(zip(INSPECTOR_FIELDS, line.split("\t")))
        rows.append(
            InspectorRow(
                team=fields["team"],
                certificate=fields["certificate"],
                unit=fields.get("unit", ""),
                specialties=[s for s in fields.get("specialties", "").split(";") if s],
                name=fields.get("name", ""),
            )
        )
    return rows


def canonical_json(value) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not ASCII escapes): the bytes a record's hash is taken of."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
