/**
 * Leases held across a fault: every lease the timeline still guarantees must still be in Redis,
 * under its holder's token — a restart or a failover that lost it would let a second holder in.
 */

import { performance } from 'node:perf_hooks';
import type { Cluster, Redis } from 'ioredis';
import { allocatorKeys } from '../../src/index.js';
import type { LeaseTimeline } from '../stress/lease-timeline.js';

export interface HeldCheck {
  /** Leases still guaranteed when the check's read came back. */
  checked: number;
  /** Those whose lock is gone or holds another token (each a description). */
  lost: Array<{ key: string; acquiredAt: number; found: string | null }>;
}

/**
 * Reads the locks of every lease acquired before `before` on `client` (the server as it is now),
 * and compares only the leases still guaranteed after the read: a lease released or expired
 * meanwhile proves nothing.
 */
export async function checkHeldLeases(
  client: Redis | Cluster,
  prefix: string,
  timeline: LeaseTimeline,
  before: number,
): Promise<HeldCheck> {
  const { lockPrefix } = allocatorKeys(prefix, 'allocator');
  const candidates = timeline.liveAt(before).filter((interval) => interval.pool === prefix);
  if (candidates.length === 0) return { checked: 0, lost: [] };
  const values = await client.mget(...candidates.map((interval) => lockPrefix + interval.key));
  const readAt = performance.now();
  const lost: HeldCheck['lost'] = [];
  let checked = 0;
  candidates.forEach((interval, i) => {
    if (interval.end <= readAt) return;
    checked++;
    if (values[i] !== interval.token)
      lost.push({ key: interval.key, acquiredAt: interval.start, found: values[i] ?? null });
  });
  return { checked, lost };
}
