import type { RedisClient } from "./redis-connection.js";
import type { RowsKeys } from "./redis-keys.js";

/**
 * The Lua scripts of the Redis backend. Each keeps one invariant atomically: the `buffered` and `bytes` counters of
 * a function equal the rows and body bytes of its stream entries that still exist, because they only move together
 * with an XADD or with an XDEL that really deleted something (a second ack of the same entry, from a gateway that
 * reclaimed it, frees 0).
 */
const SUBMIT = `
local buffered = tonumber(redis.call('GET', KEYS[2]) or '0')
if buffered < 0 then buffered = 0 end
local rows = tonumber(ARGV[2])
if buffered + rows > tonumber(ARGV[1]) then return {0, tostring(buffered)} end
local bytes = tonumber(redis.call('GET', KEYS[3]) or '0')
if bytes < 0 then bytes = 0 end
local size = string.len(ARGV[4])
if bytes + size > tonumber(ARGV[5]) then return {2, tostring(bytes)} end
redis.call('INCRBY', KEYS[2], rows)
redis.call('INCRBY', KEYS[3], size)
local id = redis.call('XADD', KEYS[1], '*', 'm', ARGV[3], 'b', ARGV[4])
return {1, id}
`;

const ACK = `
local freed, freedBytes = 0, 0
for i = 2, #ARGV, 3 do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  if redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then
    freed = freed + tonumber(ARGV[i + 1])
    freedBytes = freedBytes + tonumber(ARGV[i + 2])
  end
end
if freed > 0 then redis.call('DECRBY', KEYS[2], freed) end
if freedBytes > 0 then redis.call('DECRBY', KEYS[3], freedBytes) end
return freed
`;

/** Deletes entries no gateway has read yet (a cancelled or timed-out chunk's queued rows); pending ones stay. */
const DROP_UNREAD = `
local freed, freedBytes = 0, 0
for i = 2, #ARGV, 3 do
  local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if (not ok) or #pending == 0 then
    if redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then
      freed = freed + tonumber(ARGV[i + 1])
      freedBytes = freedBytes + tonumber(ARGV[i + 2])
    end
  end
end
if freed > 0 then redis.call('DECRBY', KEYS[2], freed) end
if freedBytes > 0 then redis.call('DECRBY', KEYS[3], freedBytes) end
return freed
`;

/**
 * The first gateway other than `me` whose beat is live at `now` and counts workers for `name` (its id and beat JSON).
 * Shared by REGISTER and FORGET: both keys (functions, gateways) share the {meta} tag, so the check and the write are
 * one atomic step across gateways.
 */
const SERVED_ELSEWHERE = `
local function servedElsewhere(me, now, stale, name)
  local beats = redis.call('HGETALL', KEYS[2])
  for j = 1, #beats, 2 do
    if beats[j] ~= me then
      local ok, beat = pcall(cjson.decode, beats[j + 1])
      if ok and type(beat) == 'table' and beat.closed ~= true and type(beat.at) == 'number' and now - beat.at <= stale
        and type(beat.workers) == 'table' and (tonumber(beat.workers[name]) or 0) > 0 then
        return beats[j], beats[j + 1]
      end
    end
  end
  return nil
end
`;

/**
 * Publishes a joining worker's specs unless a live gateway's workers serve one of the names with another spec: then
 * returns {name, spec there, gateway id, its beat}. On success also writes this gateway's beat (which counts the new
 * worker), so a gateway registering a conflicting spec a moment later sees this one.
 * ARGV: me, now, staleMs, beat, n, then n (name, spec) pairs.
 */
const REGISTER = SERVED_ELSEWHERE + `
local me, now, stale = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local n = tonumber(ARGV[5])
for i = 0, n - 1 do
  local name, spec = ARGV[6 + 2 * i], ARGV[7 + 2 * i]
  local existing = redis.call('HGET', KEYS[1], name)
  if existing and existing ~= spec then
    local gateway, beat = servedElsewhere(me, now, stale, name)
    if gateway then return {name, existing, gateway, beat} end
  end
end
for i = 0, n - 1 do redis.call('HSET', KEYS[1], ARGV[6 + 2 * i], ARGV[7 + 2 * i]) end
redis.call('HSET', KEYS[2], me, ARGV[4])
return {}
`;

/** Drops a function's spec unless a live gateway's workers serve it. ARGV: me, now, staleMs, name. */
const FORGET = SERVED_ELSEWHERE + `
local me, now, stale, name = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if servedElsewhere(me, now, stale, name) then return 0 end
return redis.call('HDEL', KEYS[1], name)
`;

/** Which of the given entries still exist (1) or are gone (0): a Redis restart may have lost recent writes. */
const EXISTING = `
local found = {}
for i = 1, #ARGV do
  found[i] = #redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i]) > 0 and 1 or 0
end
return found
`;

/** Appends to a gateway's result stream and keeps its TTL, so a dead gateway's stream expires instead of leaking. */
const ROUTE = `
local id = redis.call('XADD', KEYS[1], '*', 'm', ARGV[2], 'b', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return id
`;

/**
 * XGROUP CREATE ... MKSTREAM; 0 when the group exists. A script so that it names its key: ioredis finds no key in
 * XGROUP, and on a Redis Cluster a keyless command goes to any master (MOVED, which an auto-pipeline cannot follow).
 */
const ENSURE_GROUP = `
local reply = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if type(reply) == 'table' and reply.err then
  if string.find(reply.err, 'BUSYGROUP', 1, true) then return 0 end
  return reply
end
return 1
`;

/** [id, rows, bytes] of a rows-stream entry. */
export type EntryCount = readonly [string, number, number];

export interface RedisScripts {
  /**
   * XADDs a chunk unless the function would hold more than `cap` rows or `capBytes` body bytes: the entry id, or
   * (queue_full) the rows or bytes buffered.
   */
  submit(keys: RowsKeys, cap: number, capBytes: number, rows: number, meta: string, body: Uint8Array): Promise<{ id: string } | { buffered: number } | { bufferedBytes: number }>;
  /** XACK + XDEL; returns the rows freed. */
  ack(keys: RowsKeys, group: string, entries: readonly EntryCount[]): Promise<number>;
  dropUnread(keys: RowsKeys, group: string, entries: readonly EntryCount[]): Promise<number>;
  /** See REGISTER: undefined when published, else the conflicting name, spec and gateway (with its beat JSON). */
  register(functionsKey: string, gatewaysKey: string, me: string, now: number, staleMs: number, beat: string, specs: ReadonlyArray<readonly [string, string]>): Promise<{ name: string; spec: string; gateway: string; beat: string } | undefined>;
  /** See FORGET: true when the spec was dropped. */
  forget(functionsKey: string, gatewaysKey: string, me: string, now: number, staleMs: number, name: string): Promise<boolean>;
  route(resultsKey: string, ttlMs: number, meta: string, body: Uint8Array): Promise<string>;
  /** For each id, whether the entry is still in the stream. */
  existing(rowsKey: string, ids: string[]): Promise<boolean[]>;
  /** Creates the stream's consumer group (and the stream) unless it exists; true when it was created. */
  ensureGroup(rowsKey: string, group: string): Promise<boolean>;
}

type Commands = {
  chalknbSubmit(k1: string, k2: string, k3: string, ...args: (string | number | Buffer)[]): Promise<[number, string]>;
  chalknbAck(k1: string, k2: string, k3: string, ...args: (string | number)[]): Promise<number>;
  chalknbDropUnread(k1: string, k2: string, k3: string, ...args: (string | number)[]): Promise<number>;
  chalknbRegister(k1: string, k2: string, ...args: (string | number)[]): Promise<string[]>;
  chalknbForget(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
  chalknbRoute(k1: string, ...args: (string | number | Buffer)[]): Promise<string>;
  chalknbExisting(k1: string, ...args: string[]): Promise<number[]>;
  chalknbEnsureGroup(k1: string, group: string): Promise<number>;
};

/** Registers the scripts on a connection (ioredis sends EVALSHA and reloads a script Redis forgot after a restart). */
export function defineScripts(redis: RedisClient): RedisScripts {
  redis.defineCommand("chalknbSubmit", { numberOfKeys: 3, lua: SUBMIT });
  redis.defineCommand("chalknbAck", { numberOfKeys: 3, lua: ACK });
  redis.defineCommand("chalknbDropUnread", { numberOfKeys: 3, lua: DROP_UNREAD });
  redis.defineCommand("chalknbRegister", { numberOfKeys: 2, lua: REGISTER });
  redis.defineCommand("chalknbForget", { numberOfKeys: 2, lua: FORGET });
  redis.defineCommand("chalknbRoute", { numberOfKeys: 1, lua: ROUTE });
  redis.defineCommand("chalknbExisting", { numberOfKeys: 1, lua: EXISTING });
  redis.defineCommand("chalknbEnsureGroup", { numberOfKeys: 1, lua: ENSURE_GROUP });
  const commands = redis as unknown as Commands;
  const triples = (entries: readonly EntryCount[]) => entries.flat();
  return {
    async submit(keys, cap, capBytes, rows, meta, body) {
      const [ok, value] = await commands.chalknbSubmit(keys.rows, keys.buffered, keys.bytes, cap, rows, meta, asBuffer(body), capBytes);
      if (ok === 1) return { id: String(value) };
      return ok === 2 ? { bufferedBytes: Number(value) } : { buffered: Number(value) };
    },
    ack: (keys, group, entries) => commands.chalknbAck(keys.rows, keys.buffered, keys.bytes, group, ...triples(entries)),
    dropUnread: (keys, group, entries) => commands.chalknbDropUnread(keys.rows, keys.buffered, keys.bytes, group, ...triples(entries)),
    async register(functionsKey, gatewaysKey, me, now, staleMs, beat, specs) {
      const reply = await commands.chalknbRegister(functionsKey, gatewaysKey, me, Math.round(now), staleMs, beat, specs.length, ...specs.flat());
      if (!Array.isArray(reply) || reply.length < 4) return undefined;
      return { name: String(reply[0]), spec: String(reply[1]), gateway: String(reply[2]), beat: String(reply[3]) };
    },
    forget: async (functionsKey, gatewaysKey, me, now, staleMs, name) =>
      (await commands.chalknbForget(functionsKey, gatewaysKey, me, Math.round(now), staleMs, name)) === 1,
    route: (resultsKey, ttlMs, meta, body) => commands.chalknbRoute(resultsKey, ttlMs, meta, asBuffer(body)),
    existing: async (rowsKey, ids) => (ids.length === 0 ? [] : (await commands.chalknbExisting(rowsKey, ...ids)).map((n) => n === 1)),
    ensureGroup: async (rowsKey, group) => (await commands.chalknbEnsureGroup(rowsKey, group)) === 1,
  };
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
