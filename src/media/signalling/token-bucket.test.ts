import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('allows a burst, then the sustained rate, and refills with time', () => {
    let now = 0;
    const bucket = new TokenBucket(50, 50, () => now);
    let taken = 0;
    while (bucket.take()) taken++;
    expect(taken).toBe(50);
    now += 100; // 0.1 s at 50/s: five more
    taken = 0;
    while (bucket.take()) taken++;
    expect(taken).toBe(5);
    now += 60_000;
    taken = 0;
    while (bucket.take()) taken++;
    expect(taken).toBe(50); // never more than the capacity
  });
});
