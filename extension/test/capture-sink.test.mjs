// The capture sink (src/background/capture-sink.js): what the engines' reports do to the background's state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureSink } from '../src/background/capture-sink.js';
import * as Model from '../src/lib/study-model.js';
import { ByteBudget } from '../src/lib/flow.js';
import { tick } from '../test-support/helpers.mjs';

function makeSink({ connected = true } = {}) {
  const state = { captured: { 1: { since: 0, site: 'h', auto: false } }, missed: {}, model: Model.emptyModel(), problem: null };
  const calls = { changed: [], filed: 0, started: [] };
  const results = [];
  const uploader = {
    start(meta) {
      let settle;
      const result = new Promise((resolve, reject) => { settle = { resolve, reject }; });
      results.push(settle);
      calls.started.push(meta);
      return { result };
    },
  };
  const sink = new CaptureSink({ state, host: { connected }, uploader, budget: new ByteBudget(100),
    changed: (options) => calls.changed.push(options), filed: () => { calls.filed += 1; } });
  return { sink, state, calls, results };
}

test('which tabs are captured, and whether the helper is there', () => {
  assert.equal(makeSink().sink.isCaptured(1), true);
  assert.equal(makeSink().sink.isCaptured(2), false);
  assert.equal(makeSink().sink.isPaused(), false);
  assert.equal(makeSink({ connected: false }).sink.isPaused(), true);
});

test('rendered pictures and missed images are counted per tab', () => {
  const { sink, state, calls } = makeSink();
  sink.rendered(1);
  sink.missed(1);
  sink.missed(1);
  assert.equal(state.model.tabs['1'].rendered, 1);
  assert.equal(state.missed[1], 2);
  assert.equal(calls.changed.length, 3);
});

test('a detached tab is no longer captured; the person cancelling the debugger is a problem to show', () => {
  const { sink, state, calls } = makeSink();
  sink.detached(2, 'target_closed');
  assert.equal(calls.changed.length, 0, 'a tab never captured changes nothing');
  sink.detached(1, 'canceled_by_user');
  assert.equal(state.captured[1], undefined);
  assert.deepEqual(state.problem, { name: 'debugger-canceled', tabId: 1 });
  assert.deepEqual(calls.changed, [{ persist: true }]);
});

test("a body's outcome reaches the model: filed, refused (disk full), or lost with the helper", async () => {
  const { sink, state, calls, results } = makeSink();
  sink.startBody(1, { url: 'u', tabId: 1 });
  sink.startBody(1, { url: 'v', tabId: 1 });
  sink.startBody(1, { url: 'w', tabId: 1 });
  assert.deepEqual(calls.started.map((m) => m.url), ['u', 'v', 'w']);
  results[1].reject(Object.assign(new Error('no space'), { codeName: 'disk-full' }));
  await tick();
  assert.equal(state.problem.name, 'disk-full');
  assert.equal(state.model.tabs['1'].failed, 1);
  results[0].resolve({ objects: [] });
  await tick();
  assert.equal(state.model.tabs['1'].bodies, 1);
  assert.equal(state.problem, null, 'a filed body clears the disk-full problem');
  assert.equal(calls.filed, 1);
  results[2].reject(Object.assign(new Error('gone'), { hostGone: true }));
  await tick();
  assert.equal(state.missed[1], 1);
});

test('a vendor format CloudFilm cannot keep is remembered per tab, by vendor, for the popup', () => {
  const { sink, state, calls } = makeSink();
  sink.unsupported(1, 'eunity');
  sink.unsupported(1, 'eunity');
  assert.deepEqual(state.model.tabs['1'].unsupported, { eunity: 2 });
  assert.equal(calls.changed.length, 2);
  assert.deepEqual(Model.viewOf(state.model, 1).unsupported, [{ vendor: 'eunity', name: 'eUnity' }]);
  assert.deepEqual(Model.viewOf(state.model, 2).unsupported, []);
});
