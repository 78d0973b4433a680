"""The test bed's study (tests/testbed/make-study.sh), built on first use into the sample-data cache.

The cache holds only what tests/data/fetch.sh downloads; the test study is derived from it with DCMTK, as the e2e
tests do (tests/e2e/lib/bed.mjs). Tests that run at once (ctest -j) take a lock so it is built once.
"""
import fcntl
import os
import subprocess


def ensure_test_study(data_dir):
    study = os.path.join(data_dir, "testbed-study")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testbed", "make-study.sh")
    with open(os.path.join(data_dir, ".testbed-study.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(os.path.join(study, "sets.tsv")):
            subprocess.run([script, study], check=True, stdout=subprocess.DEVNULL)
    return study
