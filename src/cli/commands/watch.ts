/** `watch`: a live view like `top` on a terminal (redrawn in place); one line per pool otherwise. */
import { formatLine, formatOutcome } from '../format.js';
import type { PoolReporter } from '../pools.js';

export interface WatchOptions {
  /** Seconds between reports. */
  readonly interval: number;
  /** Stop after this many reports (0 = until Ctrl-C). */
  readonly count: number;
}

export async function runWatch(
  reporter: PoolReporter,
  options: WatchOptions,
  signal: AbortSignal,
): Promise<void> {
  const out = process.stdout;
  const tty = out.isTTY === true;
  if (tty) out.write('\x1b[?25l\x1b[2J'); // hide the cursor, clear the screen once
  try {
    for (let tick = 1; !signal.aborted; tick++) {
      const outcomes = await reporter.tick();
      if (tty) {
        const title = `redis-allocator watch — every ${options.interval} s — ${new Date().toLocaleTimeString()} (Ctrl-C quits)`;
        // Home, draw, then clear whatever the previous (longer) frame left below.
        out.write(`\x1b[H${title}\n\n${outcomes.map(formatOutcome).join('\n\n')}\n\x1b[J`);
      } else {
        const now = new Date();
        for (const outcome of outcomes) out.write(`${formatLine(outcome, now)}\n`);
      }
      if (options.count > 0 && tick >= options.count) break;
      await sleep(options.interval, signal);
    }
  } finally {
    if (tty) out.write('\x1b[?25h');
  }
}

function sleep(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, seconds * 1000);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
