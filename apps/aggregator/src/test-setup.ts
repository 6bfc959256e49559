// Setup of every aggregator test file (vitest.config.ts): the clock is pinned to TEST_START
// before each test and released after it. A test that needs another instant pins it itself.
import { afterEach, beforeEach, vi } from 'vitest';
import { pinClock, TEST_START } from './testing.ts';

beforeEach(() => {
  pinClock(TEST_START);
});

afterEach(() => {
  vi.useRealTimers();
});
