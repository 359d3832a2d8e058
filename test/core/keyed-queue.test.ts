import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/core/keyed-queue.js';

/** A promise the test resolves by hand, so ordering is checked without timers. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('KeyedQueue', () => {
  it('runs tasks of one key strictly in order, each after the previous finished', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const first = gate();
    const a = queue.run('k', async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
    });
    const b = queue.run('k', async () => void log.push('b'));
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    first.open();
    await Promise.all([a, b]);
    expect(log).toEqual(['a start', 'a end', 'b']);
  });

  it('lets different keys run concurrently', async () => {
    const queue = new KeyedQueue();
    const blocker = gate();
    const log: string[] = [];
    const slow = queue.run('a', async () => {
      await blocker.promise;
      log.push('a');
    });
    await queue.run('b', async () => void log.push('b'));
    expect(log).toEqual(['b']);
    blocker.open();
    await slow;
    expect(log).toEqual(['b', 'a']);
  });

  it('keeps going after a task fails, and reports the failure to its caller only', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('k', async () => {
      throw new Error('x');
    });
    const next = queue.run('k', async () => 'ok');
    await expect(failed).rejects.toThrow('x');
    await expect(next).resolves.toBe('ok');
  });

  it('drain waits for queued work and forgets idle keys', async () => {
    const queue = new KeyedQueue();
    const blocker = gate();
    let done = false;
    void queue.run('k', async () => {
      await blocker.promise;
      done = true;
    });
    expect(queue.activeKeys).toBe(1);
    const drained = queue.drain();
    blocker.open();
    await drained;
    expect(done).toBe(true);
    await Promise.resolve();
    expect(queue.activeKeys).toBe(0);
  });
});
