// A throw-away Orthanc for tests: Debian's Orthanc with the DICOMweb plugin, on 127.0.0.1 and a free high port,
// storage in a temporary folder that stop() removes. See tests/testbed/README.md.
//
// From node:
//   import { startOrthanc, uploadFolder } from './orthanc.mjs';
//   const orthanc = await startOrthanc();            // { url, port, pid, dir, stop() }
//   const report = await uploadFolder(orthanc.url, STUDY_DIR);
//   await orthanc.stop();
// From a shell:
//   eval "$(node tests/testbed/orthanc.mjs start)"    # sets ORTHANC_URL, ORTHANC_PID, ORTHANC_DIR
//   node tests/testbed/orthanc.mjs load "$ORTHANC_URL" STUDY_DIR
//   node tests/testbed/orthanc.mjs stop "$ORTHANC_DIR"
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, openSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ORTHANC_BINARY = process.env.ORTHANC_BINARY || '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.ORTHANC_DICOMWEB_PLUGIN ||
  '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function orthancConfig(dir, port, extra) {
  return {
    Name: 'cloudfilm-test',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: port,
    HttpServerEnabled: true,
    RemoteAccessAllowed: false, // Orthanc 1.10 has no bind address: it answers loopback clients only
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    StorageCompression: false,
    OverwriteInstances: false,
    HttpCompressionEnabled: false, // bodies as stored, like most PACS front ends
    KeepAlive: true,
    HttpThreadsCount: 16,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, WadoRoot: '/wado', Ssl: false,
      StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
    ...extra,
  };
}

async function waitUntilUp(url, child, logFile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`Orthanc exited with ${child.exitCode} while starting:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(`${url}/system`);
      if (response.ok) {
        const system = await response.json();
        const plugins = await (await fetch(`${url}/plugins`)).json();
        if (!plugins.includes('dicom-web')) throw new Error(`the DICOMweb plugin did not load:\n${tail(logFile)}`);
        return system;
      }
    } catch (error) {
      if (/DICOMweb plugin/.test(error.message)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Orthanc did not answer on ${url} within ${timeoutMs} ms:\n${tail(logFile)}`);
}

function tail(file) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n'); } catch { return '(no log)'; }
}

/**
 * Starts Orthanc; resolves when it answers. options.config is merged into the generated configuration;
 * options.detached keeps it running after this process (for the shell `start` command).
 */
export async function startOrthanc(options = {}) {
  if (!existsSync(ORTHANC_BINARY)) throw new Error(`${ORTHANC_BINARY} is missing: apt-get install orthanc`);
  if (!existsSync(DICOMWEB_PLUGIN)) throw new Error(`${DICOMWEB_PLUGIN} is missing: apt-get install orthanc-dicomweb`);
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) { // the free port can be taken between probe and bind
    const dir = mkdtempSync(path.join(options.tmpdir || os.tmpdir(), 'cloudfilm-orthanc-'));
    const port = await freePort();
    const configFile = path.join(dir, 'orthanc.json');
    writeFileSync(configFile, JSON.stringify(orthancConfig(dir, port, options.config), null, 2));
    const logFile = path.join(dir, 'orthanc.log');
    const log = openSync(logFile, 'a');
    const child = spawn(ORTHANC_BINARY, ['--logdir=' + dir, configFile], {
      stdio: ['ignore', log, log], detached: Boolean(options.detached),
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      const system = await waitUntilUp(url, child, logFile, options.timeoutMs || 30000);
      if (options.detached) child.unref();
      return {
        url, port, dir, pid: child.pid, version: system.Version, logFile,
        stop: () => stopProcess(child.pid, dir, child),
      };
    } catch (error) {
      lastError = error;
      await stopProcess(child.pid, dir, child);
    }
  }
  throw lastError;
}

async function stopProcess(pid, dir, child) {
  const alive = () => {
    if (child) return child.exitCode === null && child.signalCode === null;
    try { process.kill(pid, 0); return true; } catch { return false; }
  };
  if (pid && alive()) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
    const deadline = Date.now() + 10000;
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (alive()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Stops an Orthanc started with `start` (detached), given its folder (its pid is in DIR/pid). */
export async function stopOrthancInFolder(dir) {
  const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
  await stopProcess(pid, dir, null);
}

function listFiles(folder) {
  const files = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (entry.isFile() && entry.name !== 'sets.tsv') files.push(full);
  }
  return files.sort();
}

/**
 * POSTs every file under folder to url/instances. Resolves to [{file, status, id, orthancStatus}] where
 * orthancStatus is 'Success' or 'AlreadyStored'; throws if any file is refused.
 */
export async function uploadFolder(url, folder, { concurrency = 4 } = {}) {
  const files = listFiles(folder);
  const results = new Array(files.length);
  let next = 0;
  async function worker() {
    while (next < files.length) {
      const index = next++;
      const file = files[index];
      const response = await fetch(`${url}/instances`, { method: 'POST', body: await readFile(file),
        headers: { 'Content-Type': 'application/dicom' } });
      const text = await response.text();
      let body = {};
      try { body = JSON.parse(text); } catch { /* error pages */ }
      results[index] = { file: path.relative(folder, file), status: response.status, id: body.ID,
        orthancStatus: body.Status, message: response.ok ? undefined : text.slice(0, 300) };
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const refused = results.filter((result) => result.status !== 200);
  if (refused.length) {
    throw new Error(`Orthanc refused ${refused.length} file(s): ` +
      refused.map((r) => `${r.file} (${r.status} ${r.message})`).join('; '));
  }
  return results;
}

async function main(argv) {
  const [command, ...args] = argv;
  if (command === 'start') {
    const orthanc = await startOrthanc({ detached: true });
    writeFileSync(path.join(orthanc.dir, 'pid'), String(orthanc.pid));
    process.stdout.write(`ORTHANC_URL=${orthanc.url}\nORTHANC_PID=${orthanc.pid}\nORTHANC_DIR=${orthanc.dir}\n` +
      'export ORTHANC_URL ORTHANC_PID ORTHANC_DIR\n');
  } else if (command === 'stop' && args.length === 1) {
    await stopOrthancInFolder(args[0]);
  } else if (command === 'load' && args.length === 2) {
    const results = await uploadFolder(args[0], args[1]);
    const stored = results.filter((r) => r.orthancStatus === 'Success').length;
    process.stdout.write(`uploaded ${results.length} files: ${stored} new, ${results.length - stored} already stored\n`);
  } else {
    process.stderr.write('usage: orthanc.mjs start | stop DIR | load URL FOLDER\n');
    process.exitCode = 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => { process.stderr.write(`${error.stack || error}\n`); process.exit(1); });
}
