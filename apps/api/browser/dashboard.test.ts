// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against the three
// Workers running locally (the local stack, scripts/lib/local-stack.ts). Skipped, saying so, when Chromium is
// not installed (`apt-get install chromium`; .ci/run installs it).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type LocalStack, startLocalStack } from '@openvine/scripts/local-stack';
import { demoVideoEvents, generateDemoData } from '@openvine/trending-core/demo-data';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

if (!CHROMIUM) console.warn('dashboard browser test skipped: Chromium not found (apt-get install chromium)');

describe.skipIf(!CHROMIUM)('GET /dashboard in Chromium', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ vars: { METRICS_FLUSH_MS: '0' } });
    const { videos, events } = generateDemoData({ now: Date.now(), videos: 40, events: 2000 });
    expect(await stack.registerVideos(demoVideoEvents(videos))).toBe(videos.length);
    expect(await stack.seed(events)).toBe(events.length);
    await stack.runCron();
    for (let i = 0; i < 30; i++) {
      const window = ['1h', '24h', '7d'][i % 3];
      const res = await fetch(
        `${stack.apiUrl}/v1/trending/videos?window=${window}&limit=${10 + (i % 2) * 10}`,
      );
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  }, 60_000);

  afterAll(async () => {
    await stack?.dispose();
  });

  it('renders every chart with data, and the top 10 of each window', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${stack.apiUrl}/dashboard`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
      for (const id of ['chart-ratio', 'chart-p50', 'chart-p99', 'chart-computes']) {
        const chart = page.locator(`#${id}`);
        await expect.poll(() => chart.locator('canvas').count()).toBe(1);
        expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
      }
      // The KPIs are the last 5 minutes of /v1/metrics: the 30 reads above, plus the page's own
      // three top-10 reads when its metrics fetch came after them; the layers add up to the total.
      const kpi = async (label: string) =>
        Number(await page.locator('#kpis .kpi', { hasText: label }).first().locator('b').textContent());
      const requests = await kpi('requests');
      expect(requests).toBeGreaterThanOrEqual(30);
      expect(requests).toBeLessThanOrEqual(33);
      const byLayer = await Promise.all(
        ['memory hits', 'edge hits', 'DO hits', 'KV hits', 'computes', 'errors'].map(kpi),
      );
      expect(byLayer.reduce((a, b) => a + b, 0)).toBe(requests);
      // Each window's table is the API's top 10 for it: rank, title, views and score, in order.
      expect(await page.locator('#tops table').count()).toBe(3);
      for (const [i, window] of ['1h', '24h', '7d'].entries()) {
        const res = await fetch(`${stack.apiUrl}/v1/trending/videos?window=${window}&limit=10`);
        const { videos } = (await res.json()) as {
          videos: { rank: number; title?: string; videoId: string; views: number; score: number }[];
        };
        expect(videos.length).toBeGreaterThan(0);
        const rows = await page
          .locator('#tops table')
          .nth(i)
          .locator('tr')
          .evaluateAll((trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
        expect(rows).toEqual(
          videos.map((v) => [
            String(v.rank),
            v.title || v.videoId.slice(0, 12),
            String(v.views),
            v.score.toFixed(1),
          ]),
        );
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
