/**
 * Replies in the RESP2 shapes the scripts and call sites expect, whatever the client speaks: RESP3
 * booleans (a Lua `false` is nil in RESP2), maps, sets, doubles and Buffers are brought back to
 * strings, integers, nil and arrays.
 */
import type { RedisReply } from './types.js';

export function normalizeReply(reply: unknown): RedisReply {
  if (typeof reply === 'string' || typeof reply === 'number' || reply === null) return reply;
  if (reply === undefined || reply === false) return null;
  if (reply === true) return 1;
  if (Array.isArray(reply)) return reply.every(isPlain) ? (reply as RedisReply[]) : reply.map(normalizeReply);
  if (typeof reply === 'bigint') return Number(reply);
  if (Buffer.isBuffer(reply)) return reply.toString();
  if (reply instanceof Map)
    return [...reply].flatMap(([field, value]) => [normalizeReply(field), normalizeReply(value)]);
  if (reply instanceof Set) return [...reply].map(normalizeReply);
  if (typeof reply === 'object')
    return Object.entries(reply).flatMap(([field, value]) => [field, normalizeReply(value)]);
  return String(reply);
}

function isPlain(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || value === null;
}

/** A reply that must be an integer (a count, a 0/1 flag). */
export function integerReply(reply: RedisReply): number {
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'string' && /^-?\d+$/.test(reply)) return Number(reply);
  throw new TypeError(`expected an integer reply, got ${JSON.stringify(reply)}`);
}

/** A reply that must be a string or nil. */
export function stringReply(reply: RedisReply): string | null {
  if (reply === null || typeof reply === 'string') return reply;
  if (typeof reply === 'number') return String(reply);
  throw new TypeError(`expected a string reply, got ${JSON.stringify(reply)}`);
}

/** A reply that must be an array of strings (nil elements kept). */
export function stringArrayReply(reply: RedisReply): Array<string | null> {
  if (!Array.isArray(reply)) throw new TypeError(`expected an array reply, got ${JSON.stringify(reply)}`);
  return reply.map(stringReply);
}
