import { backendSuite } from "./backend-suite.js";
import { REDIS_URL, SKIP_WITHOUT_REDIS, deleteKeys, redisOptions, testPrefix } from "./redis-env.js";

// The shared behaviour suite on one Redis gateway; each test gets its own key prefix.
backendSuite({
  label: "redis",
  skip: SKIP_WITHOUT_REDIS,
  options: (extra = {}) => redisOptions(testPrefix("suite"), extra),
  cleanup: async (options) => {
    const backend = options.backend;
    if (REDIS_URL && typeof backend === "object") await deleteKeys(backend.keyPrefix!);
  },
});
