// The helper's list, asked for again after bodies were filed (src/background/library-list.js): every page read,
// never two listings at once, nothing asked while the helper is away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LibraryList } from '../src/background/library-list.js';
import * as Model from '../src/lib/study-model.js';

function fakeHost({ pages = 1, connected = true } = {}) {
  const asked = [];
  const waiting = [];
  return {
    asked,
    connected,
    release: () => waiting.splice(0).forEach((go) => go()),
    request(msg) {
      asked.push(msg.page);
      return new Promise((resolve) => waiting.push(() => resolve({ type: 'list-result', page: msg.page, pages, series: [] })));
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('every page is read, then the model takes the list', async () => {
  const host = fakeHost({ pages: 3 });
  let changed = 0;
  const library = new LibraryList({ host, model: () => Model.emptyModel(), changed: () => { changed += 1; } });
  const done = library.refresh();
  for (let i = 0; i < 3; i += 1) { await settle(); host.release(); }
  await done;
  assert.deepEqual(host.asked, [0, 1, 2]);
  assert.equal(changed, 1);
});

test('a listing asked for during another runs once after it; none while the helper is away', async () => {
  const host = fakeHost();
  const library = new LibraryList({ host, model: () => Model.emptyModel(), changed: () => {} });
  const first = library.refresh();
  await library.refresh();
  await library.refresh();
  assert.deepEqual(host.asked, [0], 'not twice at once');
  await settle(); host.release();
  await first;
  assert.ok(library.timer, 'the one asked for meanwhile is planned');
  clearTimeout(library.timer);
  const away = fakeHost({ connected: false });
  await new LibraryList({ host: away, model: () => Model.emptyModel(), changed: () => {} }).refresh();
  assert.deepEqual(away.asked, []);
});
