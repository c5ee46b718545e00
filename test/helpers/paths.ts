import { fileURLToPath } from "node:url";

/** The repository root, from dist/test/helpers/. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const chalknbBin = fileURLToPath(new URL("../../../bin/chalknb.js", import.meta.url));
export const fixtureFunctions = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/functions/${name}`, import.meta.url));
