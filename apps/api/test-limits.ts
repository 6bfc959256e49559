/** Ingest requests per client per minute under test: vitest.config.ts sets it, a test reaches it. */
export const INGEST_LIMIT_UNDER_TEST = 250;
