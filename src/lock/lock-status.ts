/** What `keyStatus` reports about one lock key (numeric values match the Python library). */
export enum LockStatus {
  /** No lock: the key is missing (or has expired). */
  FREE = 0,
  /** Locked with more time left than the `timeout` asked about: someone holds a longer lock. */
  UNAVAILABLE = 1,
  /** Locked, with at most `timeout` seconds left. */
  LOCKED = 2,
  /** Locked with no expiry at all: nothing will ever release it on its own. */
  ERROR = 4,
}
