#!/usr/bin/python3
"""The Windows programs as a browser and a person use them, under Wine (tests/windows/run.sh runs this):

1. cloudfilm.exe import-har on a HAR whose DICOM names are GB18030 and UTF-8 Chinese, hostile ("CON", "..",
   trailing dots, 400-character names) and deep: every file kept byte for byte, no reserved or dotted name on disk,
   every path within Windows' 259 characters, the Chinese names readable.
2. cloudfilm-host.exe through the native-messaging framing, over pipes as Chrome gives them, with frame lengths
   whose bytes hold 0x0a and 0x1a (what a text-mode stdin would corrupt): hello, a body in chunks, save; the saved
   file byte-identical.
3. CloudFilm-Setup-<version>.exe silently into a fresh Wine prefix: the registry keys of Chrome, Chromium, Edge and
   Firefox name manifests that point at the installed host with the extension's ids; the uninstaller leaves nothing.

usage: test_windows_programs.py BUILD_DIR WORK_DIR
"""
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import unicodedata
import warnings

import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

BUILD, WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(BUILD, 'native-host', 'cloudfilm.exe')
HOST = os.path.join(BUILD, 'native-host', 'cloudfilm-host.exe')
IDS = json.load(open(os.path.join(ROOT, 'extension', 'ids.json')))
RESERVED = {'CON', 'PRN', 'AUX', 'NUL'} | {f'COM{i}' for i in range(1, 10)} | {f'LPT{i}' for i in range(1, 10)}
failures = []
# pydicom warns about the over-long names these tests write on purpose.
warnings.filterwarnings('ignore', module='pydicom')


def check(condition, what):
    print(('ok   ' if condition else 'FAIL ') + what, flush=True)
    if not condition:
        failures.append(what)


def windows_path(path):
    """Wine's Z: drive is the Linux root."""
    return 'Z:' + path.replace('/', '\\')


def wine(args, env=None, **kw):
    # Output to files, never a pipe another process reads to its end: Wine's services would hold it open.
    return subprocess.run(['wine'] + args, env=env, stdin=subprocess.DEVNULL, **kw)


def make_dicom(path, patient, patient_id, study, series, charset='ISO_IR 192', number=1):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b'\0' * 128)
    ds.is_little_endian, ds.is_implicit_VR = True, False  # as the meta header says
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = patient
    ds.PatientID = patient_id
    ds.StudyDescription = study
    ds.SeriesDescription = series
    ds.StudyDate = '20260302'
    ds.Modality = 'CT'
    ds.SeriesNumber = 2
    ds.InstanceNumber = number
    ds.Rows, ds.Columns = 2, 2
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = struct.pack('<4H', 1, 2, 3, 4)
    ds.save_as(path, write_like_original=False)
    with open(path, 'rb') as f:
        return f.read()


def test_import_har():
    print('== cloudfilm.exe import-har: Chinese, hostile and deep names')
    folder = os.path.join(WORK, 'har')
    os.makedirs(folder, exist_ok=True)
    cases = [
        ('张三^李四', 'P1', '胸部平扫', '肺窗 5mm', 'GB18030', '张三李四'),
        ('王^小明', 'P2', '头颅 平扫', '轴位', 'ISO_IR 192', '王小明'),
        ('CON', '..', 'AUX.', 'nul... ', 'ISO_IR 192', None),
        ('LPT1', 'COM3.txt', '..', '. .', 'ISO_IR 192', None),
        ('很' * 400, 'P' * 64, '长' * 400, '深' * 400, 'ISO_IR 192', '很很很'),
        ('Deep' * 100, 'D1', 'Study ' * 60, 'Series ' * 60, 'ISO_IR 100', 'DeepDeep'),
    ]
    entries, originals, expected_names = [], {}, []
    for n, (patient, pid, study, series, charset, name) in enumerate(cases):
        body = make_dicom(os.path.join(folder, f'{n}.dcm'), patient, pid, study, series, charset)
        originals[hashlib.sha256(body).hexdigest()] = n
        if name:
            expected_names.append(name)
        entries.append({'request': {'method': 'GET', 'url': f'https://film.example/wado?n={n}'},
                        'response': {'status': 200, 'headers': [{'name': 'Content-Type', 'value': 'application/dicom'}],
                                     'content': {'size': len(body), 'mimeType': 'application/dicom', 'encoding': 'base64',
                                                 'text': base64.b64encode(body).decode()}}})
    har = os.path.join(folder, '云胶片 study.har')
    json.dump({'log': {'version': '1.2', 'entries': entries}}, open(har, 'w', encoding='utf-8'), ensure_ascii=False)
    out = os.path.join(WORK, 'library 图像')
    shutil.rmtree(out, ignore_errors=True)
    with open(os.path.join(WORK, 'import.out'), 'wb') as stdout, open(os.path.join(WORK, 'import.err'), 'wb') as err:
        status = wine([CLI, 'import-har', windows_path(har), '--out', windows_path(out), '--json'],
                      stdout=stdout, stderr=err).returncode
    check(status == 0, f'import-har exits 0 (got {status}; {open(os.path.join(WORK, "import.err"), errors="replace").read()[-300:]})')
    report = json.load(open(os.path.join(WORK, 'import.out'), encoding='utf-8'))
    check(report.get('outputFolder') == windows_path(out), f'the report names the library as Windows does: {report.get("outputFolder")}')
    kept = {}
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames[:] = [d for d in dirnames if not d.startswith('.')]
        for f in filenames:
            if f.endswith('.dcm'):
                full = os.path.join(dirpath, f)
                kept[hashlib.sha256(open(full, 'rb').read()).hexdigest()] = os.path.relpath(full, out)
    check(set(kept) == set(originals), f'all {len(originals)} files kept byte for byte ({len(kept)} found)')
    windows_root = len(windows_path(out))
    for relative in kept.values():
        parts = relative.split('/')
        for part in parts:
            stem = part.split('.')[0].strip().upper()
            check(stem not in RESERVED and not part.endswith(('.', ' ')) and part not in ('.', '..'),
                  f'a safe name on disk: {part[:40]!r}')
        units = windows_root + 1 + len(relative.encode('utf-16-le')) // 2
        check(units <= 259, f'{units} characters, within Windows\' 259: {relative[:60]}...')
    joined = unicodedata.normalize('NFC', ' '.join(kept.values()))
    for name in expected_names:
        check(name in joined, f'the name {name} is readable in the folders')
    return out, len(originals)


def test_export(library, count):
    print('== cloudfilm.exe export: a DICOMDIR folder and a ZIP, for a doctor')
    disc, archive = os.path.join(WORK, '给医生 disc'), os.path.join(WORK, '给医生.zip')
    shutil.rmtree(disc, ignore_errors=True)
    if os.path.exists(archive):
        os.remove(archive)
    with open(os.path.join(WORK, 'export.out'), 'wb') as out:
        status = wine([CLI, 'export', '--out', windows_path(library), '--dicomdir', windows_path(disc)],
                      stdout=out, stderr=subprocess.STDOUT).returncode
    check(status == 0, f'export --dicomdir exits 0 ({open(os.path.join(WORK, "export.out"), errors="replace").read()[-200:]})')
    check('does not list' not in open(os.path.join(WORK, 'export.out'), encoding='utf-8', errors='replace').read(),
          'every file within the general-purpose profile (Explicit VR Little Endian)')
    if status == 0:
        dicomdir = pydicom.dcmread(os.path.join(disc, 'DICOMDIR'))
        images = [r for r in dicomdir.DirectoryRecordSequence if r.DirectoryRecordType == 'IMAGE']
        check(len(images) == count, f'the DICOMDIR lists {len(images)} of {count} images')
        for record in images:
            path = os.path.join(disc, *record.ReferencedFileID)
            ok = os.path.isfile(path) and pydicom.dcmread(path).SOPInstanceUID == record.ReferencedSOPInstanceUIDInFile
            check(ok, f'the record {"/".join(record.ReferencedFileID)} leads to its image')
    with open(os.path.join(WORK, 'zip.out'), 'wb') as out:
        status = wine([CLI, 'export', '--out', windows_path(library), '--zip', windows_path(archive)],
                      stdout=out, stderr=subprocess.STDOUT).returncode
    check(status == 0 and os.path.isfile(archive), f'export --zip exits 0 ({status})')
    if status == 0:
        import zipfile
        with zipfile.ZipFile(archive) as z:
            names = z.namelist()
            check('DICOMDIR' in names and sum(n.startswith('DICOM/') for n in names) >= count,
                  f'the ZIP holds the DICOMDIR and the images ({len(names)} entries)')


def frame(obj, pad_to=None):
    payload = json.dumps(obj, ensure_ascii=False, separators=(',', ':')).encode()
    if pad_to is not None:
        assert len(payload) <= pad_to, (len(payload), pad_to)
        obj = dict(obj, pad='x' * (pad_to - len(payload) - len(',"pad":""')))
        payload = json.dumps(obj, ensure_ascii=False, separators=(',', ':')).encode()
        assert len(payload) == pad_to, (len(payload), pad_to)
    return struct.pack('<I', len(payload)) + payload


def read_frame(stream):
    head = stream.read(4)
    if len(head) < 4:
        return None
    (length,) = struct.unpack('<I', head)
    return json.loads(stream.read(length))


def test_host_protocol():
    print('== cloudfilm-host.exe: native messaging over pipes, lengths holding 0x0a and 0x1a')
    data, out = os.path.join(WORK, 'host-data'), os.path.join(WORK, 'host out 保存')
    for d in (data, out):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    # The folder is opened through the shell (ShellExecuteEx); a batch file stands in for Explorer.
    opened, opener = os.path.join(WORK, 'opened.txt'), os.path.join(WORK, 'opener.cmd')
    with open(opener, 'w', newline='\r\n') as f:
        # It lists the folder it was given: the file names are ASCII, so the answer proves the Chinese path arrived
        # whole (cmd's echo would write it in the console's code page).
        f.write(f'@dir /b "%~1" > "{windows_path(opened)}"\n')
    if os.path.exists(opened):
        os.remove(opened)
    env = dict(os.environ, CLOUDFILM_DATA_DIR=windows_path(data), CLOUDFILM_OUTPUT_DIR=windows_path(out),
               CLOUDFILM_OPENER=windows_path(opener))
    body = make_dicom(os.path.join(WORK, 'host.dcm'), '赵^六', 'H1', '腹部', '增强', 'GB18030')
    origin = f'chrome-extension://{IDS["chromiumId"]}/'
    with open(os.path.join(WORK, 'host.err'), 'wb') as err:
        host = subprocess.Popen(['wine', HOST, origin, '--parent-window=0'], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err)
        # Frame lengths 0x0a1a and 0x1a0a: in text mode the first would gain a 0x0d and the second end the input.
        host.stdin.write(frame({'type': 'hello', 'id': 1, 'protocol': 1, 'extension': '0.1.0'}, pad_to=0x0a1a))
        host.stdin.flush()
        hello = read_frame(host.stdout)
        check(hello and hello.get('type') == 'hello-result', f'hello answered: {str(hello)[:120]}')
        check(hello and hello.get('outputFolder') == windows_path(out), f'output folder {hello and hello.get("outputFolder")}')
        host.stdin.write(frame({'type': 'body-begin', 'id': 2, 'body': 'b-1', 'url': 'https://film.example/wado?x=1',
                                'status': 200, 'headers': {'content-type': 'application/dicom'},
                                'totalBytes': len(body)}, pad_to=0x1a0a))
        host.stdin.flush()
        check(read_frame(host.stdout).get('type') == 'body-begin-result', 'body-begin answered')
        half = len(body) // 2
        for seq, part in enumerate((body[:half], body[half:])):
            host.stdin.write(frame({'type': 'body-chunk', 'body': 'b-1', 'seq': seq,
                                    'data': base64.b64encode(part).decode()}))
        host.stdin.write(frame({'type': 'body-end', 'id': 3, 'body': 'b-1', 'sha256': hashlib.sha256(body).hexdigest()}))
        host.stdin.flush()
        reply = read_frame(host.stdout)
        while reply and reply.get('type') != 'body-end-result':
            reply = read_frame(host.stdout)  # chunk acknowledgements
        objects = (reply or {}).get('objects', [])
        check(len(objects) == 1 and objects[0].get('outcome') == 'stored', f'body filed: {str(objects)[:200]}')
        check(objects and objects[0].get('patientName') == '赵^六', 'the GB18030 name came back as UTF-8')
        host.stdin.write(frame({'type': 'save', 'id': 4}))
        host.stdin.flush()
        saved = read_frame(host.stdout)
        check(saved and saved.get('written') == 1, f'save wrote the file: {str(saved)[:200]}')
        folder = (saved.get('series') or [{}])[0].get('folder', '')
        host.stdin.write(frame({'type': 'open-folder', 'id': 5, 'path': folder}))
        host.stdin.flush()
        reply = read_frame(host.stdout)
        check(reply and reply.get('type') == 'open-folder-result', f'open-folder answered: {str(reply)[:160]}')
        for _ in range(100):
            if os.path.exists(opened) and os.path.getsize(opened) > 0:
                break
            time.sleep(0.1)
        text = open(opened, 'rb').read().decode('utf-8', 'replace').strip() if os.path.exists(opened) else ''
        check(text == '0001.dcm', f'the shell was asked to open the series folder, which holds 0001.dcm: {text!r}')
        host.stdin.close()
        status = host.wait(timeout=60)
    check(status == 0, f'the host exits 0 when the browser closes the port (got {status})')
    found = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs if f.endswith('.dcm')]
    check(len(found) == 1 and open(found[0], 'rb').read() == body, f'the saved file is byte-identical: {found}')
    check(any('赵六' in p for p in found), 'the patient folder has the Chinese name')


def test_firefox_caller():
    print('== cloudfilm-host.exe started as Firefox starts it (manifest path, add-on id); a stranger refused')
    env = dict(os.environ, CLOUDFILM_DATA_DIR=windows_path(os.path.join(WORK, 'host-data')),
               CLOUDFILM_OUTPUT_DIR=windows_path(os.path.join(WORK, 'host out 保存')))
    hello = frame({'type': 'hello', 'id': 1})
    for args, allowed in (([r'C:\Programs\CloudFilm\app.cloudfilm.host.firefox.json', IDS['geckoId']], True),
                          (['chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/'], False)):
        with open(os.path.join(WORK, 'caller.out'), 'wb') as out:
            status = subprocess.run(['wine', HOST] + args, env=env, input=hello, stdout=out,
                                    stderr=subprocess.DEVNULL, timeout=60).returncode
        with open(os.path.join(WORK, 'caller.out'), 'rb') as out:
            reply = read_frame(out)
        if allowed:
            check(status == 0 and reply and reply.get('type') == 'hello-result', f'Firefox is served ({status})')
        else:
            check(status != 0 and reply is None, f'another extension is refused (exit {status})')


def reg_query(env, key):
    result = wine(['reg', 'query', key, '/ve'], env=env, capture_output=True)
    return result.returncode, result.stdout.decode('utf-8', 'replace')


def test_installer():
    print('== CloudFilm-Setup.exe: silent per-user install, the browsers\' keys, the uninstaller')
    setups = [f for f in os.listdir(BUILD) if f.startswith('CloudFilm-Setup-') and f.endswith('.exe')]
    check(len(setups) == 1, f'one installer built: {setups}')
    if not setups:
        return
    prefix = os.path.join(WORK, 'wine-install')
    shutil.rmtree(prefix, ignore_errors=True)
    env = dict(os.environ, WINEPREFIX=prefix, WINEDEBUG='-all')
    subprocess.run(['wineserver', '-p', '60'], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wine(['cmd', '/c', 'ver'], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        users = os.path.join(prefix, 'drive_c', 'users')
        before = sorted(os.path.relpath(os.path.join(d, f), prefix) for d, _, fs in os.walk(os.path.join(prefix, 'drive_c')) for f in fs)
        status = wine([os.path.join(BUILD, setups[0]), '/S'], env=env).returncode
        check(status == 0, f'the installer exits 0 (got {status})')
        user = [u for u in os.listdir(users) if u not in ('Public',)][0]
        installed = os.path.join(users, user, 'AppData', 'Local', 'Programs', 'CloudFilm')
        for f in ('cloudfilm-host.exe', 'cloudfilm.exe', 'README-Windows.txt', 'uninstall.exe',
                  'extension/chromium/manifest.json', 'extension/firefox/manifest.json'):
            check(os.path.isfile(os.path.join(installed, f)), f'installed {f}')
        host_name = IDS['nativeHost']
        for browser, key, kind in (('Chrome', r'Software\Google\Chrome', 'chromium'),
                                   ('Chromium', r'Software\Chromium', 'chromium'),
                                   ('Edge', r'Software\Microsoft\Edge', 'chromium'),
                                   ('Firefox', r'Software\Mozilla', 'firefox')):
            code, text = reg_query(env, f'HKCU\\{key}\\NativeMessagingHosts\\{host_name}')
            manifest_name = f'{host_name}.{kind}.json'
            check(code == 0 and manifest_name in text, f'{browser}: the key names the manifest ({text.strip()[-90:]!r})')
            manifest = json.load(open(os.path.join(installed, manifest_name)))
            check(manifest['name'] == host_name and manifest['type'] == 'stdio', f'{browser}: manifest name and type')
            check(os.path.isfile(os.path.join(installed, manifest['path'])), f'{browser}: the manifest\'s path exists')
            if kind == 'chromium':
                check(manifest['allowed_origins'] == [f'chrome-extension://{IDS["chromiumId"]}/'], f'{browser}: allowed_origins')
            else:
                check(manifest['allowed_extensions'] == [IDS['geckoId']], f'{browser}: allowed_extensions')
        code, text = reg_query(env, r'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\CloudFilm')
        check(code == 0, 'an Apps & features entry')

        # The uninstaller copies itself away and returns at once: wait for it to finish.
        wine([os.path.join(installed, 'uninstall.exe'), '/S'], env=env)
        deadline = time.time() + 90
        while os.path.exists(installed) and time.time() < deadline:
            time.sleep(1)
        check(not os.path.exists(installed), 'the uninstaller removed the program folder')
        for key in (r'Software\Google\Chrome', r'Software\Chromium', r'Software\Microsoft\Edge', r'Software\Mozilla',
                    r'Software\Microsoft\Windows\CurrentVersion\Uninstall\CloudFilm'):
            code, _ = reg_query(env, f'HKCU\\{key}\\NativeMessagingHosts\\{host_name}' if 'Uninstall' not in key else f'HKCU\\{key}')
            check(code != 0, f'no key left under {key}')
        for key in (r'Software\Chromium', r'Software\Google'):
            code, _ = reg_query(env, f'HKCU\\{key}')
            check(code != 0, f'no empty key left: {key}')
        after = sorted(os.path.relpath(os.path.join(d, f), prefix) for d, _, fs in os.walk(os.path.join(prefix, 'drive_c')) for f in fs)
        left = [f for f in set(after) - set(before) if 'CloudFilm' in f or 'cloudfilm' in f]
        check(not left, f'no file of ours left in the prefix: {left[:5]}')
    finally:
        subprocess.run(['wineserver', '-k'], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


if __name__ == '__main__':
    os.makedirs(WORK, exist_ok=True)
    library, count = test_import_har()
    test_export(library, count)
    test_host_protocol()
    test_firefox_caller()
    test_installer()
    print(f'{len(failures)} failure(s)' if failures else 'all Windows program tests passed')
    sys.exit(1 if failures else 0)
