/** The waiter queue's own scripts (the queueing itself is part of the malloc script). */
import { LuaScript } from '../../scripts/loader.js';
import cancelSource from '../../scripts/waiting/cancel.lua';
import drainSource from '../../scripts/waiting/drain.lua';

export const waitingScripts = {
  cancel: new LuaScript('waiting-cancel', cancelSource),
  drain: new LuaScript('waiting-drain', drainSource),
} as const;
