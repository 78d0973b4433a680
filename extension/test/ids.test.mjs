import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readJson } from '../test-support/helpers.mjs';

/** Chromium's id for an extension: sha256 of the SPKI DER, first 32 hex digits mapped 0-f -> a-p. */
function chromiumId(base64Key) {
  const hex = crypto.createHash('sha256').update(Buffer.from(base64Key, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join('');
}

test('ids.json holds the id computed from the manifest key', () => {
  const manifest = readJson('manifest.chromium.json');
  const ids = readJson('ids.json');
  assert.match(ids.chromiumId, /^[a-p]{32}$/);
  assert.equal(chromiumId(manifest.key), ids.chromiumId);
});

test('the manifest key is an RSA-2048 public key (never a private one)', () => {
  const { key } = readJson('manifest.chromium.json');
  const pub = crypto.createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
  assert.equal(pub.asymmetricKeyType, 'rsa');
  assert.equal(pub.asymmetricKeyDetails.modulusLength, 2048);
  assert.throws(() => crypto.createPrivateKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'pkcs8' }));
});

test('fixed names: gecko id and native host name', () => {
  const ids = readJson('ids.json');
  assert.equal(ids.geckoId, 'cloudfilm@cloudfilm.app');
  assert.equal(ids.nativeHost, 'app.cloudfilm.host');
  assert.equal(readJson('manifest.firefox.json').browser_specific_settings.gecko.id, ids.geckoId);
});
