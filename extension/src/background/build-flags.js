// Rewritten by build.mjs. The source tree (and every normal build) is never a test build.
export const TEST_BUILD = false;
