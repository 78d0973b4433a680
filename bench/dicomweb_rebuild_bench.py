#!/usr/bin/env python3
"""DICOMweb reconstruction at scale: does a study rebuilt from metadata and frames ingest in time linear in its size?

An OHIF-like capture of one study through the real cloudfilm-host: first each series' WADO-RS metadata (one body per
series, all its instances), then every instance's frame (one body each, as a viewer fetches them while scrolling).
After each body that keeps a piece aside the host runs the rebuild (host/session.cpp), so the cost of one rebuild
call matters N times over. Prints the time per 1,000 frame bodies (from the host's replies as they arrive) and the
total; a linear ingest shows flat per-1,000 times, a quadratic one times that grow with the count already seen.

Usage: dicomweb_rebuild_bench.py --host PATH [--instances 5000] [--series 10] [--host PATH2 ...]  (one table each)
Standard library only. Images are 16x16, 16 bits: the cost measured is the rebuild's bookkeeping, not pixel I/O.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

CHROMIUM_ORIGIN = 'chrome-extension://bfhgfjfnelnbjfhhnfkboajklecfcpco/'
STUDY = '1.2.826.0.1.3680043.8.498.90'
BASE = 'https://pacs.example/dicom-web/studies/' + STUDY


def frame(obj):
    payload = json.dumps(obj, separators=(',', ':')).encode()
    return struct.pack('<I', len(payload)) + payload


def body(out, body_id, url, content_type, data):
    out.write(frame({'type': 'body-begin', 'id': 'b' + body_id, 'body': body_id, 'mimeType': content_type,
                     'headers': {'content-type': content_type}, 'totalBytes': len(data), 'url': url,
                     'status': 200, 'source': 'bench'}))
    out.write(frame({'type': 'body-chunk', 'body': body_id, 'seq': 0, 'data': base64.b64encode(data).decode()}))
    out.write(frame({'type': 'body-end', 'id': 'e' + body_id, 'body': body_id}))


def instance(series_uid, sop, number):
    us = lambda v: {'vr': 'US', 'Value': [v]}
    return {'00080016': {'vr': 'UI', 'Value': ['1.2.840.10008.5.1.4.1.1.4']},
            '00080018': {'vr': 'UI', 'Value': [sop]}, '00080060': {'vr': 'CS', 'Value': ['MR']},
            '00100010': {'vr': 'PN', 'Value': [{'Alphabetic': 'BENCH^REBUILD'}]},
            '00100020': {'vr': 'LO', 'Value': ['BENCH1']},
            '0020000D': {'vr': 'UI', 'Value': [STUDY]}, '0020000E': {'vr': 'UI', 'Value': [series_uid]},
            '00200013': {'vr': 'IS', 'Value': [number]}, '00280002': us(1),
            '00280004': {'vr': 'CS', 'Value': ['MONOCHROME2']}, '00280010': us(16), '00280011': us(16),
            '00280100': us(16), '00280101': us(16), '00280102': us(15), '00280103': us(0),
            '7FE00010': {'vr': 'OW', 'BulkDataURI': '%s/series/%s/instances/%s/frames/1' % (BASE, series_uid, sop)}}


def run(host, instances, series_count, work):
    per_series = (instances + series_count - 1) // series_count
    layout = []
    for s in range(series_count):
        series_uid = '%s.%d' % (STUDY, s + 1)
        sops = ['%s.%d' % (series_uid, i + 1) for i in range(min(per_series, instances - s * per_series))]
        layout.append((series_uid, sops))
    stream_path = os.path.join(work, 'stream.bin')
    with open(stream_path, 'wb') as out:
        out.write(frame({'type': 'hello', 'id': 'h', 'protocol': 1, 'extension': 'bench'}))
        for s, (series_uid, sops) in enumerate(layout):
            doc = [instance(series_uid, sop, i + 1) for i, sop in enumerate(sops)]
            body(out, 'meta%d' % s, '%s/series/%s/metadata' % (BASE, series_uid), 'application/dicom+json',
                 json.dumps(doc).encode())
        pixels = bytes(range(256)) * 2  # 16 x 16 x 2 bytes
        n = 0
        for series_uid, sops in layout:
            for sop in sops:
                n += 1
                body(out, 'f%d' % n, '%s/series/%s/instances/%s/frames/1' % (BASE, series_uid, sop),
                     'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', pixels)
    env = dict(os.environ)
    env.update({'CLOUDFILM_DATA_DIR': os.path.join(work, 'data'), 'CLOUDFILM_OUTPUT_DIR': os.path.join(work, 'out'),
                'XDG_STATE_HOME': os.path.join(work, 'state'), 'XDG_CONFIG_HOME': os.path.join(work, 'config')})
    stamps, rebuilt, errors = [], [0], []

    def reader(pipe):
        while True:
            head = pipe.read(4)
            if len(head) < 4:
                return
            (length,) = struct.unpack('<I', head)
            message = json.loads(pipe.read(length))
            if message.get('type') == 'body-end-result':
                stamps.append(time.perf_counter())
                rebuilt[0] += sum(1 for o in message.get('objects', []) if o.get('rebuilt'))
            elif message.get('type') == 'error':
                errors.append(message)

    with open(stream_path, 'rb') as stdin:
        start = time.perf_counter()
        host_process = subprocess.Popen([host, CHROMIUM_ORIGIN], stdin=stdin, stdout=subprocess.PIPE, env=env)
        thread = threading.Thread(target=reader, args=(host_process.stdout,))
        thread.start()
        status = host_process.wait()
        thread.join()
    total = time.perf_counter() - start
    frames_start = stamps[series_count - 1] if len(stamps) >= series_count else start
    frame_stamps = stamps[series_count:]
    print('%s: %d instances in %d series' % (host, instances, series_count))
    previous = frames_start
    for k in range(1000, len(frame_stamps) + 1, 1000):
        print('  frame bodies %5d-%5d: %7.2f s' % (k - 999, k, frame_stamps[k - 1] - previous))
        previous = frame_stamps[k - 1]
    print('  metadata bodies: %.2f s; all %d bodies: %.2f s; rebuilt %d of %d; errors %d; exit %d' %
          (frames_start - start, len(stamps), total, rebuilt[0], instances, len(errors), status))
    return 0 if status == 0 and not errors and rebuilt[0] == instances else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--host', action='append', required=True, help='cloudfilm-host binary (repeat to compare)')
    parser.add_argument('--instances', type=int, default=5000)
    parser.add_argument('--series', type=int, default=10)
    args = parser.parse_args()
    status = 0
    for host in args.host:
        work = tempfile.mkdtemp(prefix='cloudfilm-rebuild-bench-')
        try:
            status |= run(host, args.instances, args.series, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == '__main__':
    sys.exit(main())
