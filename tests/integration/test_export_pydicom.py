#!/usr/bin/env python3
"""A real reader opens what `cloudfilm export` writes: pydicom reads the DICOMDIR, every record (patient -> study ->
series -> image) leads to an existing file whose SOP Instance UID matches, the GB18030 patient name survives, and files
in JPEG-LS and RLE (made here with DCMTK's dcmcjpls and dcmcrle) are on the disc and named in README.txt. The ZIP
export holds the same files, byte for byte.

    test_export_pydicom.py CLOUDFILM_BINARY TEST_DATA_DIR PYDICOM_TEST_FILES
"""
import os
import re
import subprocess
import sys
import tempfile
import zipfile

import pydicom

from testbed_study import copy_gb18030_study

cli, data_dir, pydicom_dir = sys.argv[1:4]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result.stdout


with tempfile.TemporaryDirectory(prefix="cloudfilm-export-py-") as tmp:
    inputs = os.path.join(tmp, "inputs")
    os.makedirs(inputs)
    copy_gb18030_study(data_dir, inputs, "gb-")
    run("dcmcjpls", os.path.join(pydicom_dir, "MR_small.dcm"), os.path.join(inputs, "mr-jpegls.dcm"))
    run("dcmcrle", os.path.join(pydicom_dir, "CT_small.dcm"), os.path.join(inputs, "ct-rle.dcm"))

    library = os.path.join(tmp, "library")
    run(cli, "import", inputs, "--out", library)
    kept = {}
    for folder, _, files in os.walk(library):
        if ".cloudfilm" in folder:
            continue
        for name in files:
            if name.endswith(".dcm"):
                path = os.path.join(folder, name)
                kept[pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID] = path

    dest = os.path.join(tmp, "disc")
    out = run(cli, "export", "--out", library, "--dicomdir", dest)
    print(out)
    dicomdir = pydicom.dcmread(os.path.join(dest, "DICOMDIR"))
    check(dicomdir.file_meta.MediaStorageSOPClassUID == "1.2.840.10008.1.3.10", "DICOMDIR media storage SOP class")

    resolved = set()
    names = []
    for patient in dicomdir.patient_records:
        check(patient.DirectoryRecordType == "PATIENT", "patient record type")
        names.append(str(patient.PatientName))
        for study in patient.children:
            check(study.DirectoryRecordType == "STUDY", "study record type")
            for series in study.children:
                check(series.DirectoryRecordType == "SERIES", "series record type")
                for image in series.children:
                    check(image.DirectoryRecordType == "IMAGE", "image record type")
                    file_id = image.ReferencedFileID
                    parts = [file_id] if isinstance(file_id, str) else list(file_id)
                    check(all(re.fullmatch(r"[A-Z0-9_]{1,8}", p) for p in parts) and len(parts) <= 8, f"file ID {parts}")
                    path = os.path.join(dest, *parts)
                    check(os.path.isfile(path), f"{path} exists")
                    if not os.path.isfile(path):
                        continue
                    instance = pydicom.dcmread(path, stop_before_pixels=True)
                    uid = image.ReferencedSOPInstanceUIDInFile
                    check(instance.SOPInstanceUID == uid, f"{path}: SOP Instance UID matches the record")
                    check(instance.SeriesInstanceUID == series.SeriesInstanceUID, f"{path}: in its series record")
                    check(instance.StudyInstanceUID == study.StudyInstanceUID, f"{path}: in its study record")
                    check(image.ReferencedTransferSyntaxUIDInFile == instance.file_meta.TransferSyntaxUID,
                          f"{path}: transfer syntax matches the record")
                    with open(path, "rb") as a, open(kept[uid], "rb") as b:
                        check(a.read() == b.read(), f"{path} byte-identical to {kept[uid]}")
                    resolved.add(uid)
    check(resolved == set(kept), f"every kept instance has a record: {len(resolved)} of {len(kept)}")
    on_disc = [os.path.join(f, n) for f, _, ns in os.walk(os.path.join(dest, "DICOM")) for n in ns]
    check(len(on_disc) == len(kept), f"{len(on_disc)} files under DICOM/ for {len(kept)} kept")
    print("patients:", names)
    check(any("王" in n and "小明" in n for n in names), f"the GB18030 name survives: {names}")

    with open(os.path.join(dest, "README.txt"), encoding="utf-8-sig") as f:
        readme = f.read()
    check("王小明" in readme, "README names the patient")
    check("JPEG-LS" in readme and "RLE" in readme, "README names the files outside the profile")
    syntaxes = {pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID for p in on_disc}
    check({"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.5"} <= syntaxes, f"JPEG-LS and RLE on the disc: {syntaxes}")

    zip_path = os.path.join(tmp, "for-doctor.zip")
    run(cli, "export", "--out", library, "--zip", zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        check(archive.testzip() is None, "ZIP CRCs")
        entries = {i.filename for i in archive.infolist()}
        disc = {os.path.relpath(os.path.join(f, n), dest).replace(os.sep, "/")
                for f, _, ns in os.walk(dest) for n in ns}
        check(entries == disc, f"ZIP entries are the folder's files: {sorted(entries ^ disc)}")
        for name in entries & disc:
            if name.startswith("DICOM/"):
                with open(os.path.join(dest, name), "rb") as f:
                    check(archive.read(name) == f.read(), f"{name} byte-identical in the ZIP")

if failures:
    sys.exit(f"{len(failures)} checks failed")
print("export read back by pydicom: every record resolves")
