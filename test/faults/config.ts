/**
 * Timing of the fault suite. `npm test` runs each case for a few seconds; `npm run faults` sets
 * FAULT_SECONDS (default there: 30) and runs each case that long.
 */

/** Seconds of fault injection per case. */
export const FAULT_SECONDS = Number(process.env.FAULT_SECONDS ?? 1);
/** Seconds of load before the first fault. */
export const WARMUP_SECONDS = 0.3;
/** Seconds of load after the pool served again, before the run stops. */
export const TAIL_SECONDS = 0.3;
/** `operationTimeout` of every client under test, in seconds. */
export const OPERATION_TIMEOUT = 1;
/** Lease TTL of every allocation, in seconds. */
export const LEASE_SECONDS = 2;
/**
 * Slack on top of the bound a call must settle within: timers on a loaded two-core machine fire
 * late, and the event loop is shared by every lane.
 */
export const SETTLE_MARGIN_SECONDS = 1;
/** Resource keys per pool: more than the lanes, so a leaked lease or two do not starve them. */
export const POOL_KEYS = 24;
/** Clients per pool, and concurrent lanes on each. */
export const CLIENTS = 2;
export const LANES_PER_CLIENT = 4;
/** The test timeout of one case (both families), in milliseconds. */
export const CASE_TIMEOUT_MS = (FAULT_SECONDS * 2 + 60) * 1000;
