"""The test bed's study (tests/testbed/make-study.sh), built on first use into the sample-data cache.

The cache holds only what tests/data/fetch.sh downloads; the test study is derived from it with DCMTK, as the e2e
tests do (tests/e2e/lib/bed.mjs). Tests that run at once (ctest -j) take a lock so it is built once.
"""
import fcntl
import os
import shutil
import subprocess
import sys


def ensure_test_study(data_dir):
    study = os.path.join(data_dir, "testbed-study")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testbed", "make-study.sh")
    with open(os.path.join(data_dir, ".testbed-study.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(os.path.join(study, "sets.tsv")):
            subprocess.run([script, study], check=True, stdout=subprocess.DEVNULL)
    return study


def copy_gb18030_study(data_dir, into, prefix=""):
    """Copies the GB18030 study's files (patient 王^小明) into `into`, each name given `prefix`."""
    gb_dir = os.path.join(ensure_test_study(data_dir), "gb18030")
    if not os.path.isdir(gb_dir):
        sys.exit(f"sample data missing: {gb_dir} (tests/testbed/make-study.sh failed?)")
    for name in sorted(os.listdir(gb_dir)):
        shutil.copyfile(os.path.join(gb_dir, name), os.path.join(into, prefix + name))
