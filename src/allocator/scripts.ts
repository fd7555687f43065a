/** The allocator's Lua scripts: one fixed file per operation, shared by every allocator instance. */
import acquireKeySource from '../scripts/allocator/acquire-key.lua';
import assignSource from '../scripts/allocator/assign.lua';
import clearSource from '../scripts/allocator/clear.lua';
import extendSource from '../scripts/allocator/extend.lua';
import freeSource from '../scripts/allocator/free.lua';
import freeListSource from '../scripts/allocator/free-list.lua';
import gcSource from '../scripts/allocator/gc.lua';
import mallocSource from '../scripts/allocator/malloc.lua';
import releaseSource from '../scripts/allocator/release.lua';
import renewSource from '../scripts/allocator/renew.lua';
import renewLeasesSource from '../scripts/allocator/renew-leases.lua';
import shrinkSource from '../scripts/allocator/shrink.lua';
import { LuaScript } from '../scripts/loader.js';

export const allocatorScripts = {
  malloc: new LuaScript('malloc', mallocSource),
  acquireKey: new LuaScript('acquire-key', acquireKeySource),
  free: new LuaScript('free', freeSource),
  release: new LuaScript('release', releaseSource),
  renew: new LuaScript('renew', renewSource),
  renewLeases: new LuaScript('renew-leases', renewLeasesSource),
  extend: new LuaScript('extend', extendSource),
  assign: new LuaScript('assign', assignSource),
  shrink: new LuaScript('shrink', shrinkSource),
  clear: new LuaScript('clear', clearSource),
  gc: new LuaScript('gc', gcSource),
  freeList: new LuaScript('free-list', freeListSource),
} as const;
