#!/usr/bin/python3
"""What a saved DICOM file holds, in the shape of a Hinacom tag list, for the e2e tests (lib/hinacom.mjs).

usage: dicom_tags.py SCRATCH_DIR FILE...
Prints one JSON object: {FILE: {"tags": {"GGGG,EEEE": {"vr": VR, "value": TEXT}}, "pixels": {...}} or {"error": ...}}.
  - tags: the file meta header and every top-level element except sequences, binary VRs and Pixel Data; text as
    pydicom decodes it with the file's Specific Character Set (several values joined by a backslash); numbers
    (US, SS, UL, SL, FL, FD) as decimal text, AT as "GGGG,EEEE".
  - pixels: native pixel data: {"encapsulated": false, "sha256", "length"} of the Pixel Data bytes;
    encapsulated: {"encapsulated": true, "frame": PATH} where PATH (in SCRATCH_DIR) holds frame 1's bytes (all its
    fragments), e.g. a JPEG 2000 code stream.
pydicom from Debian (python3-pydicom 2.3): run with /usr/bin/python3.
"""
import hashlib
import json
import os
import sys

import pydicom
from pydicom.encaps import generate_pixel_data_frame

BINARY = {"OB", "OW", "OF", "OD", "OL", "OV", "UN", "SQ", "OB or OW", "US or OW", "US or SS or OW"}
NUMBERS = {"US", "SS", "UL", "SL", "FL", "FD", "US or SS", "SV", "UV"}


def text_of(element):
    value = element.value
    if value is None:
        return ""
    values = list(value) if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]
    if element.VR == "AT":
        return "\\".join("%04X,%04X" % (int(v) >> 16, int(v) & 0xFFFF) for v in values)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "\\".join("" if v is None else str(v) for v in values)


def describe(path, scratch, n):
    ds = pydicom.dcmread(path)
    tags = {}
    for dataset in (ds.file_meta, ds):
        for element in dataset:
            if element.VR in BINARY or element.tag == 0x7FE00010:
                continue
            tags["%04X,%04X" % (element.tag.group, element.tag.element)] = {"vr": element.VR, "value": text_of(element)}
    out = {"tags": tags}
    if "PixelData" in ds:
        syntax = ds.file_meta.TransferSyntaxUID
        if syntax.is_compressed:
            frame = next(generate_pixel_data_frame(ds.PixelData, int(getattr(ds, "NumberOfFrames", 1) or 1)))
            target = os.path.join(scratch, "frame-%d.bin" % n)
            with open(target, "wb") as f:
                f.write(frame)
            out["pixels"] = {"encapsulated": True, "frame": target, "length": len(frame)}
        else:
            data = ds.PixelData
            out["pixels"] = {"encapsulated": False, "sha256": hashlib.sha256(data).hexdigest(), "length": len(data)}
    return out


def main():
    scratch, files = sys.argv[1], sys.argv[2:]
    result = {}
    for n, path in enumerate(files):
        try:
            result[path] = describe(path, scratch, n)
        except Exception as error:  # reported per file: the test says which one
            result[path] = {"error": "%s: %s" % (type(error).__name__, error)}
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
