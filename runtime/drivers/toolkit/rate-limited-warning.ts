/*
 * A warning that may repeat at a hostile rate (bad messages from a broker, refusals from a
 * remote): the first one is logged, later ones within `windowMs` are counted and the count is
 * added to the next line logged after the window.
 */
export class RateLimitedWarning {
  private windowStart = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly write: (message: string) => void,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(message: string): void {
    const now = this.now();
    if (now - this.windowStart < this.windowMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (${this.suppressed} more like this were not logged)` : '';
    this.suppressed = 0;
    this.windowStart = now;
    this.write(message + more);
  }

  /** Reports what was held back (on stop): "<n> more <what> were not logged." */
  flush(what: string): void {
    if (this.suppressed > 0) this.write(`${this.suppressed} more ${what} were not logged.`);
    this.suppressed = 0;
  }
}
