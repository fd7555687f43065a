/**
 * Owner tokens that name their holder: `<holder>:<random>`, the holder being `<host>:<pid>` or a
 * label given at malloc; the script that locks a key appends the lease's fence, so a lock value is
 * `<holder>:<random>@<fence>`. Diagnostics can then say who holds what under which fence; Python
 * peers only test that a lock exists, so any value works for them. Lock values starting with `#`
 * are markers, not holders.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../errors.js';

/** Lock value of a key resting after `release({ cooldown })` (pool.lua `COOLING`). */
export const COOLDOWN_LOCK_VALUE = '#cooldown';
/** Lock value of a shared-mode quarantine (`setUnhealthy` on a rotation). */
export const QUARANTINE_LOCK_VALUE = 'quarantine';
/** Longest holder label, in characters. */
export const MAX_HOLDER_LENGTH = 200;

let defaultHolder: string | undefined;

/** `<host>:<pid>` of this process: the holder named by tokens without a `holder` label. */
export function processHolder(): string {
  defaultHolder ??= `${hostname()}:${process.pid}`;
  return defaultHolder;
}

/**
 * Throws `InvalidArgumentError` unless `holder` is a usable label: 1–200 printable characters
 * without whitespace or "|", not starting with `#` (reserved for markers such as the cooldown lock).
 */
export function assertHolder(holder: unknown): asserts holder is string {
  if (typeof holder !== 'string' || holder === '' || holder.length > MAX_HOLDER_LENGTH) {
    throw new InvalidArgumentError(`holder must be a string of 1 to ${MAX_HOLDER_LENGTH} characters`);
  }
  // "|" separates the fields of a waiter's hand-off message (pool.lua handOff), tokens included.
  if (/[\s\p{Cc}|]/u.test(holder) || holder.startsWith('#')) {
    throw new InvalidArgumentError(
      `holder ${JSON.stringify(holder)} must not contain whitespace, control characters or "|" nor start with "#"`,
    );
  }
}

/** Random bytes per token: 72 bits make a token unique. */
const TOKEN_BYTES = 9;
/** Tokens' worth of random bytes drawn at once: one `randomBytes` call per token cost about 20 µs of CPU under load (measured in the waiting bench). */
const RANDOM_BATCH = 256;
let random = Buffer.alloc(0);
let randomOffset = 0;

/** A fresh owner token for `holder` (default: this process). 72 random bits make it unique. */
export function ownerToken(holder: string = processHolder()): string {
  if (randomOffset + TOKEN_BYTES > random.length) {
    random = randomBytes(TOKEN_BYTES * RANDOM_BATCH);
    randomOffset = 0;
  }
  const part = random.toString('base64url', randomOffset, randomOffset + TOKEN_BYTES);
  randomOffset += TOKEN_BYTES;
  return `${holder}:${part}`;
}

/**
 * The lock value of an exclusive allocation: the owner token and the fence the script gave it,
 * `<token>@<fence>` (pool.lua header). The lease's `token` is this whole value: renew, release and
 * free compare it. A shared-mode rotation (token `""`) holds no lock and stays `""`.
 */
export function fencedToken(token: string, fence: number): string {
  return token === '' ? '' : `${token}@${fence}`;
}

/** What a lock value says about its key. */
export interface LockDescription {
  /** `held` by an allocation, `cooling` after `release({ cooldown })`, `quarantined` (shared mode). */
  readonly state: 'held' | 'cooling' | 'quarantined';
  /** Who holds it (`<host>:<pid>` or the `holder` label); `null` for markers and foreign values. */
  readonly holder: string | null;
  /** The lease's fence (`<token>@<fence>`); `null` for markers and values without one (Python peers). */
  readonly fence: number | null;
}

/**
 * Splits a lock value `<token>@<fence>` into the owner token and the fence; a value without a
 * fence (a Python peer's, a marker) is all token, fence `null`.
 */
export function splitLockValue(value: string): { token: string; fence: number | null } {
  // The random part after the last ":" is base64url: an "@" there can only start the fence.
  const at = value.indexOf('@', value.lastIndexOf(':') + 1);
  if (at < 0 || !/^\d+$/.test(value.slice(at + 1))) return { token: value, fence: null };
  return { token: value.slice(0, at), fence: Number(value.slice(at + 1)) };
}

/** Reads a lock value written by this library (or a Python peer, whose holder is unknown). */
export function describeLock(value: string): LockDescription {
  if (value === COOLDOWN_LOCK_VALUE) return { state: 'cooling', holder: null, fence: null };
  if (value === QUARANTINE_LOCK_VALUE) return { state: 'quarantined', holder: null, fence: null };
  const cut = value.lastIndexOf(':');
  return { state: 'held', holder: cut > 0 ? value.slice(0, cut) : null, fence: splitLockValue(value).fence };
}
