#!/usr/bin/env python3
"""Counts the DICOM files under a folder and checks their SOP Instance UIDs against an expected list.

Usage: dicom_uids.py DIR [--expected expected_uids.txt]
Prints one JSON object: files, distinct_uids, expected, recovered, missing, unexpected, duplicate_files, unreadable.

Standard library only: reads just the header of each Part 10 file up to (0008,0018), so counting a thousand
half-megabyte files takes well under a second. A file it cannot walk (an undefined-length sequence before the UID,
say) is handed to DCMTK's dcmdump when that is installed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

IMPLICIT_LITTLE = "1.2.840.10008.1.2"
EXPLICIT_BIG = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UR", b"UT", b"UN", b"SV", b"UV"}
SOP_INSTANCE_UID = (0x0008, 0x0018)
HEADER_READ_BYTES = 256 * 1024


class NotWalkable(Exception):
    pass


def _elements(data: bytes, pos: int, explicit: bool, little: bool, stop_group: int | None = None):
    """Yields (group, element, value, next_pos) for top-level elements until the data or the group ends."""
    endian = "<" if little else ">"
    while pos + 8 <= len(data):
        group, element = struct.unpack_from(endian + "HH", data, pos)
        if stop_group is not None and group != stop_group:
            return
        if explicit:
            vr = data[pos + 4:pos + 6]
            if vr in LONG_VRS:
                if pos + 12 > len(data):
                    raise NotWalkable("truncated header")
                (length,) = struct.unpack_from(endian + "I", data, pos + 8)
                pos += 12
            else:
                (length,) = struct.unpack_from(endian + "H", data, pos + 6)
                pos += 8
        else:
            (length,) = struct.unpack_from(endian + "I", data, pos + 4)
            pos += 8
        if length == 0xFFFFFFFF:
            raise NotWalkable("undefined length before the SOP Instance UID")
        if pos + length > len(data):
            raise NotWalkable("element runs past the part read")
        yield group, element, data[pos:pos + length], pos + length
        pos += length


def _text(value: bytes) -> str:
    return value.rstrip(b"\x00 ").decode("ascii", errors="replace")


def sop_uid_from_bytes(data: bytes) -> str:
    if len(data) < 132 or data[128:132] != b"DICM":
        raise NotWalkable("no DICM preamble")
    transfer_syntax = IMPLICIT_LITTLE
    meta_uid = ""
    pos = 132
    for _, element, value, next_pos in _elements(data, 132, explicit=True, little=True, stop_group=0x0002):
        pos = next_pos
        if element == 0x0010:
            transfer_syntax = _text(value)
        elif element == 0x0003:
            meta_uid = _text(value)
    body = data[pos:]
    if transfer_syntax == DEFLATED:
        body = zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, HEADER_READ_BYTES)
    explicit = transfer_syntax != IMPLICIT_LITTLE
    little = transfer_syntax != EXPLICIT_BIG
    try:
        for group, element, value, _ in _elements(body, 0, explicit, little):
            if (group, element) == SOP_INSTANCE_UID:
                return _text(value)
            if (group, element) > SOP_INSTANCE_UID:
                break
    except NotWalkable:
        if meta_uid:
            return meta_uid
        raise
    if meta_uid:
        return meta_uid
    raise NotWalkable("no SOP Instance UID")


def sop_uid_with_dcmdump(path: Path) -> str:
    if shutil.which("dcmdump") is None:
        raise NotWalkable("dcmdump not installed")
    result = subprocess.run(["dcmdump", "-q", "+P", "0008,0018", str(path)], capture_output=True, text=True)
    line = result.stdout.strip().splitlines()[:1]
    if result.returncode != 0 or not line or "[" not in line[0]:
        raise NotWalkable("dcmdump found no SOP Instance UID")
    return line[0].split("[", 1)[1].split("]", 1)[0]


def sop_uid_of_file(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(HEADER_READ_BYTES)
    try:
        return sop_uid_from_bytes(head)
    except (NotWalkable, struct.error, zlib.error):
        return sop_uid_with_dcmdump(path)


def survey(folder: Path, expected: list[str] | None) -> dict:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".dcm")
    uids: dict[str, int] = {}
    unreadable = 0
    for path in files:
        try:
            uid = sop_uid_of_file(path)
        except NotWalkable:
            unreadable += 1
            continue
        uids[uid] = uids.get(uid, 0) + 1
    report = {
        "files": len(files),
        "distinct_uids": len(uids),
        "duplicate_files": sum(count - 1 for count in uids.values()),
        "unreadable": unreadable,
    }
    if expected is not None:
        wanted = set(expected)
        report.update({
            "expected": len(wanted),
            "recovered": len(wanted & uids.keys()),
            "missing": len(wanted - uids.keys()),
            "unexpected": len(uids.keys() - wanted),
        })
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Count DICOM files and check their SOP Instance UIDs")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--expected", type=Path, help="file with one expected SOP Instance UID a line")
    args = parser.parse_args(argv)
    expected = None
    if args.expected:
        expected = [line.strip() for line in args.expected.read_text().splitlines() if line.strip()]
    if not args.folder.is_dir():
        print(f"dicom_uids: {args.folder} is not a folder", file=sys.stderr)
        return 1
    print(json.dumps(survey(args.folder, expected)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
