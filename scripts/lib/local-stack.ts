// The three Workers from their built bundles (apps/*/dist; `pnpm build`) in one Miniflare
// process, the api on a direct socket: the local stack for tests that need a real HTTP origin
// (the dashboard's browser test). Bindings come from each wrangler.jsonc via auxWorker().
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { auxWorker } from './aux-workers.ts';

export interface LocalStack {
  url: string;
  mf: Miniflare;
  runCron(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startLocalStack(bindings: Record<string, string> = {}): Promise<LocalStack> {
  const api: ReturnType<typeof auxWorker> & { bindings?: Record<string, string> } = auxWorker('api');
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...api,
          bindings: { ...api.bindings, ...bindings },
          unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
        },
        auxWorker('aggregator'),
        auxWorker('precompute'),
      ],
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL('trending-api')).href.replace(/\/$/, '');
  return {
    url,
    mf,
    async runCron() {
      const precompute = (await mf.getWorker('trending-precompute')) as unknown as {
        scheduled(options: { cron: string }): Promise<unknown>;
      };
      await precompute.scheduled({ cron: '* * * * *' });
    },
    dispose: () => mf.dispose(),
  };
}
