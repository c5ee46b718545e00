import { backendSuite } from "./backend-suite.js";

// The same suite as redis-suite.test.ts, on the memory backend: the reference behaviour.
backendSuite({ label: "memory", skip: false, options: (extra = {}) => ({ ...extra, backend: "memory" }) });
