import { describe, expect, it } from 'vitest';
import { ReadsInFlight } from '../../src/interceptor/reads-in-flight.ts';

describe('the requests the box is still reading', () => {
  it('is idle at once with nothing begun, and says busy and idle once each way', async () => {
    const changes: boolean[] = [];
    const reads = new ReadsInFlight((busy) => changes.push(busy));
    expect(await reads.idle(10)).toBe(true);
    const endA = reads.begin();
    const endB = reads.begin();
    expect(changes).toEqual([true]);
    endA();
    endA();
    expect(reads.reading).toBe(1);
    const idle = reads.idle(1_000);
    endB();
    expect(await idle).toBe(true);
    expect(changes).toEqual([true, false]);
  });

  it('gives up at its limit while a request is still open, and forgets the waiter', async () => {
    const reads = new ReadsInFlight();
    const end = reads.begin();
    expect(await reads.idle(20)).toBe(false);
    end();
    expect(reads.reading).toBe(0);
    expect(await reads.idle(20)).toBe(true);
  });
});
