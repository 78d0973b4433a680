#!/usr/bin/env python3
"""`cloudfilm send` against a real Orthanc with its DICOM server on a loopback port: every kept instance arrives, in
its own transfer syntax (Explicit VR, JPEG-LS made here with dcmcjpls), with the same dataset bytes; a wrong called AE
title (DicomCheckCalledAet) is refused and reported, with exit status 6.

Orthanc writes its own file meta header (its implementation UID, the calling AE title), so the file it keeps equals
ours from the dataset on: that is what is compared, byte for byte. One difference is allowed and counted: DCMTK's
network layer writes the dataset it parsed and leaves out a Data Set Trailing Padding element (FFFC,FFFC) at the end,
which by PS3.10 carries no information (dcmcjpls keeps MR_small's, so the JPEG-LS file here has one).

    test_send_orthanc.py CLOUDFILM_BINARY TEST_DATA_DIR PYDICOM_TEST_FILES
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from testbed_study import copy_gb18030_study

cli, data_dir, pydicom_dir = sys.argv[1:4]
ORTHANC = os.environ.get("ORTHANC_BINARY", "/usr/sbin/Orthanc")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dataset_bytes(part10):
    """What follows the file meta header: (0002,0000) gives the group's length."""
    assert part10[128:132] == b"DICM"
    length = int.from_bytes(part10[140:144], "little")
    return part10[144 + length:]


def run(*args, expect=0):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != expect:
        sys.exit(f"{' '.join(args)} -> {result.returncode} (expected {expect})\n{result.stdout}\n{result.stderr}")
    return result


with tempfile.TemporaryDirectory(prefix="cloudfilm-send-") as tmp:
    http, dicom = free_port(), free_port()
    config = {
        "Name": "cloudfilm-send-test", "StorageDirectory": os.path.join(tmp, "storage"),
        "IndexDirectory": os.path.join(tmp, "storage"), "HttpPort": http, "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "DicomServerEnabled": True, "DicomAet": "ORTHANC", "DicomPort": dicom,
        "DicomCheckCalledAet": True, "DicomAlwaysAllowStore": True, "StorageCompression": False,
        "Plugins": [],
    }
    config_file = os.path.join(tmp, "orthanc.json")
    with open(config_file, "w") as f:
        json.dump(config, f)
    orthanc = subprocess.Popen([ORTHANC, "--logdir=" + tmp, config_file], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{http}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/system", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("Orthanc did not start")

        inputs = os.path.join(tmp, "inputs")
        os.makedirs(inputs)
        copy_gb18030_study(data_dir, inputs)
        run("dcmcjpls", os.path.join(pydicom_dir, "MR_small.dcm"), os.path.join(inputs, "mr-jpegls.dcm"))
        library = os.path.join(tmp, "library")
        run(cli, "import", inputs, "--out", library)

        refused = run(cli, "send", "--out", library, "--to", f"WRONG@127.0.0.1:{dicom}", expect=6)
        print(refused.stderr.strip())
        assert "refused" in refused.stderr, refused.stderr
        assert json.load(urllib.request.urlopen(base + "/instances")) == [], "nothing stored after a refusal"

        sent = run(cli, "send", "--out", library, "--to", f"ORTHANC@127.0.0.1:{dicom}", "--calling-aet", "CFTEST",
                   "--json")
        report = json.loads(sent.stdout)
        print(f"{report['sent']} of {report['images']} stored")
        assert report["sent"] == report["images"] == len(os.listdir(inputs)), report
        checked = 0
        for instance in report["instances"]:
            assert instance["stored"], instance
            with open(os.path.join(library, instance["file"]), "rb") as f:
                ours = f.read()
            request = urllib.request.Request(base + "/tools/lookup", data=instance["sopInstanceUid"].encode(),
                                             method="POST")
            found = [r for r in json.load(urllib.request.urlopen(request)) if r["Type"] == "Instance"]
            assert len(found) == 1, (instance, found)
            theirs = urllib.request.urlopen(base + f"/instances/{found[0]['ID']}/file").read()
            a, b = dataset_bytes(ours), dataset_bytes(theirs)
            if a != b and a.startswith(b) and a[len(b):len(b) + 4] == b"\xfc\xff\xfc\xff":
                print(f"{instance['file']}: identical but for its trailing padding (FFFC,FFFC), which DCMTK does not send")
                a = b
            if a != b:
                at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
                sys.exit(f"{instance['file']}: dataset differs in Orthanc at byte {at} of {len(a)}/{len(b)}: "
                         f"ours {a[max(0, at - 24):at + 24].hex()} theirs {b[max(0, at - 24):at + 24].hex()}")
            checked += 1
        print(f"{checked} instances byte-identical (dataset) in Orthanc")

        orthanc.terminate()
        orthanc.wait(timeout=30)
        gone = run(cli, "send", "--out", library, "--to", f"ORTHANC@127.0.0.1:{dicom}", expect=6)
        print(gone.stderr.strip())
        assert "nothing sent" in gone.stderr, gone.stderr
    finally:
        if orthanc.poll() is None:
            orthanc.terminate()
            orthanc.wait(timeout=30)
print("send to Orthanc: ok")
