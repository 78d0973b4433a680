// Sets up a browser the way a person would: the real installer into a temporary HOME and prefix.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './bed.mjs';

let testBuildDone = false;
/** The extension as the tests load it: the shipping build for Chromium, the bridge build for Firefox. */
export function extensionDir(browser) {
  if (browser === 'firefox' && !testBuildDone) {
    execFileSync('node', ['build.mjs', '--test'], { cwd: path.join(ROOT, 'extension'), stdio: ['ignore', 'ignore', 'inherit'] });
    testBuildDone = true;
  }
  return path.join(ROOT, 'extension', 'dist', browser === 'firefox' ? 'firefox-test' : 'chromium');
}

/**
 * A temporary HOME with the host installed by installer/install.sh (unless installHost is false).
 * Returns { home, prefix, profile, output, data, env, cleanup() }.
 */
export function userSetup(browser, { installHost = true } = {}) {
  const base = mkdtempSync(path.join(os.tmpdir(), `cloudfilm-e2e-${browser}-`));
  const home = path.join(base, 'home');
  const prefix = path.join(base, 'prefix');
  const profile = path.join(base, 'chromium-profile');
  const output = path.join(base, 'output');
  const data = path.join(base, 'data');
  for (const dir of [home, profile]) mkdirSync(dir, { recursive: true });
  if (browser === 'firefox') mkdirSync(path.join(home, '.mozilla'), { recursive: true });
  else mkdirSync(path.join(home, '.config', 'chromium'), { recursive: true });
  if (installHost) {
    const args = ['--no-deps', '--prefix', prefix];
    if (browser === 'chromium') args.push('--chromium-profile', profile);
    if (process.env.CLOUDFILM_BUILD_DIR) args.push('--build-dir', process.env.CLOUDFILM_BUILD_DIR);
    execFileSync(path.join(ROOT, 'installer', 'install.sh'), args,
      { env: { ...process.env, HOME: home }, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const env = { ...process.env, HOME: home, CLOUDFILM_OUTPUT_DIR: output, CLOUDFILM_DATA_DIR: data,
    XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local', 'share') };
  return { base, home, prefix, profile, output, data, env,
    cleanup: () => { if (!process.env.CLOUDFILM_E2E_KEEP) rmSync(base, { recursive: true, force: true }); } };
}
