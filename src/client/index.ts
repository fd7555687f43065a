export { RedisCommands } from './commands.js';
export { SUPPORTED_CLIENTS, toConnection } from './detect.js';
export { integerReply, normalizeReply, stringArrayReply, stringReply } from './reply.js';
export { withOperationTimeout } from './timeout.js';
export type {
  ClientFamily,
  DedicatedConnection,
  IoredisLikeClient,
  NodeRedisLikeClient,
  NodeRedisLikeCluster,
  RedisArg,
  RedisClient,
  RedisConnection,
  RedisReply,
  SendOptions,
} from './types.js';
