import { GroupCommit } from './group-commit.js';

/** A writer that records every batch it was given and answers each item doubled. */
function recordingWriter(fail?: (items: number[]) => boolean) {
  const batches: number[][] = [];
  const write = (items: number[]) => {
    batches.push([...items]);
    if (fail?.(items)) return Promise.reject(new Error(`refused ${items.join(',')}`));
    return Promise.resolve(items.map((item) => item * 2));
  };
  return { batches, write };
}

describe('GroupCommit', () => {
  it('answers each caller its own result, in one statement for items asked together', async () => {
    const { batches, write } = recordingWriter();
    const group = new GroupCommit({ write, maxBatch: 100, maxInFlight: 1, minIntervalMs: 0 });
    const results = await Promise.all([1, 2, 3, 4].map((item) => group.submit(item)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('writes a caller alone without waiting for the interval', async () => {
    const { batches, write } = recordingWriter();
    const group = new GroupCommit({ write, maxBatch: 100, maxInFlight: 1, minIntervalMs: 10_000 });
    const started = Date.now();
    await expect(group.submit(7)).resolves.toBe(14);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(batches).toEqual([[7]]);
  });

  it('gathers the items that arrive during the interval into the next statement', async () => {
    const { batches, write } = recordingWriter();
    const group = new GroupCommit({ write, maxBatch: 100, maxInFlight: 1, minIntervalMs: 50 });
    const first = group.submit(1);
    await first;
    // Within 50 ms of the first statement: these wait and share one.
    const later = [2, 3, 4].map((item) => group.submit(item));
    expect(group.waiting).toBe(3);
    await expect(Promise.all(later)).resolves.toEqual([4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never puts more than maxBatch items in one statement', async () => {
    const { batches, write } = recordingWriter();
    const group = new GroupCommit({ write, maxBatch: 2, maxInFlight: 1, minIntervalMs: 0 });
    await Promise.all([1, 2, 3, 4, 5].map((item) => group.submit(item)));
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it('writes the items of a refused batch one by one, so one bad item fails alone', async () => {
    const { batches, write } = recordingWriter((items) => items.includes(3));
    const group = new GroupCommit({ write, maxBatch: 100, maxInFlight: 1, minIntervalMs: 0 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((item) => group.submit(item)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((outcomes[2] as PromiseRejectedResult).reason).toEqual(new Error('refused 3'));
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('fails the whole batch when the connection was lost, without writing its items again', async () => {
    const batches: number[][] = [];
    const lost = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    const group = new GroupCommit<number, number>({
      write: (items) => {
        batches.push([...items]);
        return Promise.reject(lost);
      },
      maxBatch: 100,
      maxInFlight: 1,
      minIntervalMs: 0,
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((item) => group.submit(item)));
    expect(outcomes).toEqual(Array(3).fill({ status: 'rejected', reason: lost }));
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('fails every caller of a batch whose writer answered the wrong number of results', async () => {
    const group = new GroupCommit<number, number>({
      write: () => Promise.resolve([1]),
      maxBatch: 100,
      maxInFlight: 1,
      minIntervalMs: 0,
    });
    const outcomes = await Promise.allSettled([1, 2].map((item) => group.submit(item)));
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
  });

  it('keeps at most maxInFlight statements running', async () => {
    let running = 0;
    let most = 0;
    const group = new GroupCommit<number, number>({
      write: async (items) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return items;
      },
      maxBatch: 1,
      maxInFlight: 2,
      minIntervalMs: 0,
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => group.submit(i)));
    expect(most).toBe(2);
  });

  it('tells when every item submitted so far has been written', async () => {
    const written: number[] = [];
    const group = new GroupCommit<number, number>({
      write: async (items) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        written.push(...items);
        return items;
      },
      maxBatch: 2,
      maxInFlight: 1,
      minIntervalMs: 0,
    });
    await group.idle(); // nothing submitted: at once
    const submitted = [1, 2, 3, 4, 5].map((item) => group.submit(item));
    await group.idle();
    expect(written).toEqual([1, 2, 3, 4, 5]);
    await Promise.all(submitted);
  });
});
