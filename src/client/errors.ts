/**
 * Client errors mapped to the library's typed errors, so callers catch one vocabulary whatever the
 * client: connection loss and cluster outages become `RedisUnavailableError` (with the client's
 * error as `cause`); server replies such as `NOSCRIPT` or a script error pass through unchanged.
 */
import { RedisUnavailableError } from '../errors.js';

/** Class names (ioredis, node-redis) of errors that mean the command may not have reached Redis. */
const CONNECTION_ERRORS = new Set([
  'MaxRetriesPerRequestError',
  'ClientClosedError',
  'ClientOfflineError',
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'DisconnectsClientError',
  'RootNodesUnavailableError',
  'ReconnectStrategyError',
  'ClusterAllFailedError',
]);

const CONNECTION_MESSAGES =
  /^(Connection is closed|Stream isn't writeable|connect ECONNREFUSED|read ECONNRESET|write EPIPE|The client is closed|None of startup nodes is available|Failed to refresh slots cache)/;

/** Server replies that say the cluster cannot serve this slot right now. */
const UNAVAILABLE_REPLIES = /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY)\b/;

export function mapClientError(error: unknown, command: string): unknown {
  if (!(error instanceof Error) || error instanceof RedisUnavailableError) return error;
  const kind = error.constructor?.name ?? error.name;
  if (
    CONNECTION_ERRORS.has(kind) ||
    CONNECTION_ERRORS.has(error.name) ||
    CONNECTION_MESSAGES.test(error.message) ||
    UNAVAILABLE_REPLIES.test(error.message)
  ) {
    return new RedisUnavailableError(
      `Redis unavailable during ${command} (${error.message}); the operation may or may not have been applied`,
      { cause: error },
    );
  }
  return error;
}
