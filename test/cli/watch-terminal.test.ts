/** `watch` on a terminal: each report is drawn over the previous one (cursor home, clear below). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runWatch } from '../../src/cli/commands/watch.js';
import { PoolReporter } from '../../src/cli/pools.js';
import { RedisAllocatorCore } from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

const redis = testClient();

afterEach(() => {
  vi.restoreAllMocks();
});

describe('watch on a terminal', () => {
  it('redraws in place and restores the cursor at the end', async () => {
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('watch-tty'));
    await allocator.extend(['a', 'b']);
    const frames: string[] = [];
    const stdout = process.stdout as { isTTY?: boolean };
    const wasTty = stdout.isTTY;
    stdout.isTTY = true;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      frames.push(String(chunk));
      return true;
    });
    try {
      const reporter = new PoolReporter([allocator], { sampleLimit: 5, scanLimit: 100 });
      await runWatch(reporter, { interval: 0.1, count: 3 }, new AbortController().signal);
    } finally {
      stdout.isTTY = wasTty;
      vi.restoreAllMocks();
    }
    expect(frames[0]).toBe('\x1b[?25l\x1b[2J');
    const draws = frames.slice(1, -1);
    expect(draws).toHaveLength(3);
    for (const draw of draws) {
      expect(draw.startsWith('\x1b[H')).toBe(true);
      expect(draw.endsWith('\x1b[J')).toBe(true);
      expect(draw).toContain(`${allocator.prefix}|allocator|pool`);
    }
    expect(frames.at(-1)).toBe('\x1b[?25h');
  });
});
