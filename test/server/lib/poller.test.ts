/**
 * The shared background loop (server/lib/poller.ts): ticks on its interval and when woken,
 * never two ticks at once (a wake-up during a tick runs one more right after it), a failing
 * tick is reported and the loop goes on, and stop() waits for the tick in progress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPoller } from '../../../server/lib/poller.ts';

test('start runs a first tick, then ticks on the interval until stopped', async () => {
  let ticks = 0;
  const poller = createPoller({ intervalMs: 10, tick: async () => void ticks++, onError: (e) => assert.fail(String(e)) });
  await poller.start();
  assert.equal(ticks, 1);
  await sleep(60);
  await poller.stop();
  const stopped = ticks;
  assert.ok(stopped >= 2, `ticked ${stopped} times`);
  await sleep(40);
  assert.equal(ticks, stopped, 'no tick after stop');
});

test('without an interval it ticks only when woken; wake-ups during a tick fold into one more tick, never overlapping', async () => {
  let ticks = 0;
  let inTick = 0;
  let release!: () => void;
  const poller = createPoller({
    tick: async () => {
      inTick++;
      assert.equal(inTick, 1, 'ticks overlap');
      ticks++;
      if (ticks === 2) await new Promise<void>((resolve) => (release = resolve));
      inTick--;
    },
    onError: (e) => assert.fail(String(e)),
  });
  await poller.start();
  await sleep(20);
  assert.equal(ticks, 1);
  poller.wake();
  await sleep(5);
  assert.equal(ticks, 2);
  assert.equal(poller.busy, true);
  poller.wake();
  poller.wake();
  release();
  await sleep(20);
  assert.equal(ticks, 3, 'two wake-ups during the tick run one more tick');
  assert.equal(poller.busy, false);
  await poller.stop();
  poller.wake();
  await sleep(5);
  assert.equal(ticks, 3, 'a stopped poller ignores wake-ups');
});

test('a failing tick goes to onError and the loop goes on', async () => {
  const errors: unknown[] = [];
  let ticks = 0;
  const poller = createPoller({
    intervalMs: 5,
    tick: async () => {
      ticks++;
      if (ticks === 1) throw new Error('boom');
    },
    onError: (e) => errors.push(e),
  });
  await poller.start();
  await sleep(30);
  await poller.stop();
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, 'boom');
  assert.ok(ticks >= 2);
});

test('stop waits for the running tick', async () => {
  let finished = false;
  const poller = createPoller({
    tick: async () => {
      await sleep(30);
      finished = true;
    },
    onError: (e) => assert.fail(String(e)),
  });
  void poller.start();
  await poller.stop();
  assert.equal(finished, true);
  assert.equal(poller.running, false);
});
