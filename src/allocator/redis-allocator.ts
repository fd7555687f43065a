import { RedisAllocatorCore } from './redis-allocator-core.js';

/**
 * A pool of named resources on Redis, shared by many processes: allocate (`mallocKey`), renew and
 * free leases, soft binding, GC, plus the lock methods on `P|S:<key>`.
 */
export class RedisAllocator extends RedisAllocatorCore {}
