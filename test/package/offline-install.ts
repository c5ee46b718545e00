import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Writes package.json and package-lock.json of a project that depends on a packed chalknb tarball, so that
 * `npm ci --offline` installs it from the npm cache alone: the lock pins chalknb's run-time dependencies to the
 * versions in the repository's own lock (what `npm ci` there put in the cache), each with its tarball URL and
 * integrity, so npm needs neither the registry's metadata nor the network.
 */
export async function writeOfflineProject(repoRoot: string, dir: string, tarball: string, registry: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as Record<string, never>;
  const repoLock = JSON.parse(await readFile(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const packages: Record<string, LockEntry> = {
    "": { name: "chalknb-consumer", dependencies: { chalknb: spec } },
    "node_modules/chalknb": {
      version: pkg.version,
      resolved: spec,
      license: pkg.license,
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path === "" || entry.dev || entry.link) continue; // the repository itself, dev-only packages, workspaces
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    const base = name.slice(name.lastIndexOf("/") + 1);
    packages[path] = { ...entry, resolved: entry.resolved ?? `${registry.replace(/\/$/, "")}/${name}/-/${base}-${entry.version}.tgz` };
  }
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "chalknb-consumer", private: true, type: "module", dependencies: { chalknb: spec } }, null, 2));
  await writeFile(join(dir, "package-lock.json"), JSON.stringify({ name: "chalknb-consumer", lockfileVersion: 3, requires: true, packages }, null, 2));
}

interface LockEntry {
  [key: string]: unknown;
  version?: string;
  resolved?: string;
  dev?: boolean;
  link?: boolean;
}
