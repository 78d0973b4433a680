// Rewritten by build.mjs --test (see testBuildFlags() there). The source tree and every normal build are never a
// test build: no test commands, and only the extension's own pages may message the background.
export const TEST_BUILD = false;
/** Message type -> handler, answered by a test build only (test-bridge/commands.js). */
export const testCommands = null;
