import { describe, expect, it } from 'vitest';
import { RateLimitedWarning } from './rate-limited-warning.js';

describe('rate-limited warning', () => {
  it('logs the first line, counts the rest of the window and reports them with the next line', () => {
    let now = 0;
    const lines: string[] = [];
    const w = new RateLimitedWarning((m) => lines.push(m), 1000, () => now);
    w.warn('A.');
    now = 500; w.warn('B.'); w.warn('C.');
    now = 1500; w.warn('D.');
    now = 1600; w.warn('E.');
    w.flush('warnings');
    expect(lines).toEqual(['A.', 'D. (2 more like this were not logged)', '1 more warnings were not logged.']);
  });

  it('starts a new window with the first line after one ends, and flushes nothing when nothing was held back', () => {
    let now = 0;
    const lines: string[] = [];
    const w = new RateLimitedWarning((m) => lines.push(m), 1000, () => now);
    w.warn('a');
    now = 1000; w.warn('b');
    now = 1999; w.warn('c');
    now = 2000; w.warn('d');
    w.flush('rejected messages');
    expect(lines).toEqual(['a', 'b', 'd (1 more like this were not logged)']);
  });
});
