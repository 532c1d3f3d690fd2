import { defineConfig } from 'vitest/config';

/**
 * Test files that drive real media (Chromium pages with fake devices, ffmpeg feeding RTP) and measure it (durations,
 * capture stopping within 2 s): on two cores, two of them side by side starve each other and their timings lie. They
 * run one at a time, after the rest of the suite, which runs two files at a time.
 */
const media = ['test/browser/**/*.test.ts', 'test/recording/real-media.test.ts', 'test/recording/crash.test.ts', 'test/crash/crash-drills.test.ts', 'test/soak/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: media,
          // Two cores here: two test files at a time keeps argon2 and the media servers from starving each other.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'media', include: media, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
