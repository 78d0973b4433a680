import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuietQueue } from '../src/lib/quiet-queue.js';

/** A queue on a fake clock: `advance(ms)` moves time and fires the timers that fall due, in order. */
function fakeQueue(options = {}) {
  let now = 0;
  let timers = [];
  let nextId = 1;
  const ran = [];
  const q = new QuietQueue({
    run: (item) => ran.push(item), quietMs: 100, maxDelayMs: 1000, maxBytes: 1000, ...options,
    now: () => now,
    setTimer: (fn, ms) => { const id = nextId++; timers.push({ id, at: now + ms, fn }); return id; },
    clearTimer: (id) => { timers = timers.filter((t) => t.id !== id); },
  });
  const advance = (ms) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return { q, ran, advance, pendingTimers: () => timers.length };
}

test('runs what waits once the page has been quiet for quietMs', () => {
  const { q, ran, advance } = fakeQueue();
  q.activity();
  q.add('a', 10);
  q.add('b', 10);
  advance(99);
  assert.deepEqual(ran, []);
  advance(1);
  assert.deepEqual(ran, ['a', 'b'], 'in the order they finished');
  assert.equal(q.size, 0);
});

test('activity keeps postponing, but never past maxDelayMs after the oldest finished', () => {
  const { q, ran, advance } = fakeQueue();
  q.add('a', 10);
  for (let t = 0; t < 950; t += 50) { q.activity(); advance(50); }
  q.activity();
  advance(49);
  assert.deepEqual(ran, [], 'the page is busy: a is still waiting at 999 ms');
  q.activity();
  advance(1);
  assert.deepEqual(ran, ['a'], 'read at its 1000 ms deadline although the page is still busy');
});

test('more than maxBytes waiting runs everything at once', () => {
  const { q, ran } = fakeQueue();
  q.activity();
  q.add('a', 600);
  assert.deepEqual(ran, []);
  q.add('b', 600);
  assert.deepEqual(ran, ['a', 'b']);
  assert.equal(q.bytes, 0);
});

test('flush runs everything now and clears the timer; drop removes without running', () => {
  const { q, ran, advance, pendingTimers } = fakeQueue();
  q.add({ tab: 1 }, 10);
  q.add({ tab: 2 }, 20);
  q.add({ tab: 1 }, 30);
  const dropped = q.drop((item) => item.tab === 1);
  assert.equal(dropped.length, 2);
  assert.equal(q.bytes, 20);
  q.flush();
  assert.deepEqual(ran, [{ tab: 2 }]);
  assert.equal(pendingTimers(), 0);
  advance(5000);
  assert.equal(ran.length, 1, 'nothing runs twice');
});

test('a queue that emptied and fills again arms a new timer', () => {
  const { q, ran, advance } = fakeQueue();
  q.add('a', 1);
  advance(100);
  q.add('b', 1);
  advance(100);
  assert.deepEqual(ran, ['a', 'b']);
});
