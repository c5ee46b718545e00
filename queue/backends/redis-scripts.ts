import type { RedisClient } from "./redis-connection.js";

/**
 * The Lua scripts of the Redis backend. Each keeps one invariant atomically: the `buffered` counter of a function
 * equals the rows of its stream entries that still exist, because it only moves together with an XADD or with an
 * XDEL that really deleted something (a second ack of the same entry, from a gateway that reclaimed it, frees 0).
 */
const SUBMIT = `
local buffered = tonumber(redis.call('GET', KEYS[2]) or '0')
if buffered < 0 then buffered = 0 end
local rows = tonumber(ARGV[2])
if buffered + rows > tonumber(ARGV[1]) then return {0, tostring(buffered)} end
redis.call('INCRBY', KEYS[2], rows)
local id = redis.call('XADD', KEYS[1], '*', 'm', ARGV[3], 'b', ARGV[4])
return {1, id}
`;

const ACK = `
local freed = 0
for i = 2, #ARGV, 2 do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  if redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then freed = freed + tonumber(ARGV[i + 1]) end
end
if freed > 0 then redis.call('DECRBY', KEYS[2], freed) end
return freed
`;

/** Deletes entries no gateway has read yet (a cancelled or timed-out chunk's queued rows); pending ones stay. */
const DROP_UNREAD = `
local freed = 0
for i = 2, #ARGV, 2 do
  local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if (not ok) or #pending == 0 then
    if redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then freed = freed + tonumber(ARGV[i + 1]) end
  end
end
if freed > 0 then redis.call('DECRBY', KEYS[2], freed) end
return freed
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

export interface RedisScripts {
  /** XADDs a chunk unless the function would hold more than `cap` rows: the entry id, or null (queue_full) with the count. */
  submit(rowsKey: string, bufferedKey: string, cap: number, rows: number, meta: string, body: Uint8Array): Promise<{ id: string } | { buffered: number }>;
  /** XACK + XDEL; returns the rows freed. `entries` are [id, rows] pairs. */
  ack(rowsKey: string, bufferedKey: string, group: string, entries: ReadonlyArray<readonly [string, number]>): Promise<number>;
  dropUnread(rowsKey: string, bufferedKey: string, group: string, entries: ReadonlyArray<readonly [string, number]>): Promise<number>;
  route(resultsKey: string, ttlMs: number, meta: string, body: Uint8Array): Promise<string>;
  /** For each id, whether the entry is still in the stream. */
  existing(rowsKey: string, ids: string[]): Promise<boolean[]>;
  /** Creates the stream's consumer group (and the stream) unless it exists; true when it was created. */
  ensureGroup(rowsKey: string, group: string): Promise<boolean>;
}

type Commands = {
  chalknbSubmit(k1: string, k2: string, ...args: (string | number | Buffer)[]): Promise<[number, string]>;
  chalknbAck(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
  chalknbDropUnread(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
  chalknbRoute(k1: string, ...args: (string | number | Buffer)[]): Promise<string>;
  chalknbExisting(k1: string, ...args: string[]): Promise<number[]>;
  chalknbEnsureGroup(k1: string, group: string): Promise<number>;
};

/** Registers the scripts on a connection (ioredis sends EVALSHA and reloads a script Redis forgot after a restart). */
export function defineScripts(redis: RedisClient): RedisScripts {
  redis.defineCommand("chalknbSubmit", { numberOfKeys: 2, lua: SUBMIT });
  redis.defineCommand("chalknbAck", { numberOfKeys: 2, lua: ACK });
  redis.defineCommand("chalknbDropUnread", { numberOfKeys: 2, lua: DROP_UNREAD });
  redis.defineCommand("chalknbRoute", { numberOfKeys: 1, lua: ROUTE });
  redis.defineCommand("chalknbExisting", { numberOfKeys: 1, lua: EXISTING });
  redis.defineCommand("chalknbEnsureGroup", { numberOfKeys: 1, lua: ENSURE_GROUP });
  const commands = redis as unknown as Commands;
  const pairs = (entries: ReadonlyArray<readonly [string, number]>) => entries.flatMap(([id, rows]) => [id, rows]);
  return {
    async submit(rowsKey, bufferedKey, cap, rows, meta, body) {
      const [ok, value] = await commands.chalknbSubmit(rowsKey, bufferedKey, cap, rows, meta, asBuffer(body));
      return ok === 1 ? { id: String(value) } : { buffered: Number(value) };
    },
    ack: (rowsKey, bufferedKey, group, entries) => commands.chalknbAck(rowsKey, bufferedKey, group, ...pairs(entries)),
    dropUnread: (rowsKey, bufferedKey, group, entries) => commands.chalknbDropUnread(rowsKey, bufferedKey, group, ...pairs(entries)),
    route: (resultsKey, ttlMs, meta, body) => commands.chalknbRoute(resultsKey, ttlMs, meta, asBuffer(body)),
    existing: async (rowsKey, ids) => (ids.length === 0 ? [] : (await commands.chalknbExisting(rowsKey, ...ids)).map((n) => n === 1)),
    ensureGroup: async (rowsKey, group) => (await commands.chalknbEnsureGroup(rowsKey, group)) === 1,
  };
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
