// Test-only Worker: a Workers KV namespace that a test can tell to refuse writes the way KV does
// under its rate limit of one write per second per key (see kv-fault.ts). Local KV never answers
// 429, so without it no test could show what a Worker does when production KV does.
// `Namespace`, bound in place of a KV namespace, passes every call through to the real namespace
// (the same one the other Workers bind, so they all see its writes) except the puts a test asked
// it to refuse: those reject as the binding does, `KV PUT failed: 429 Too Many Requests`.
// `Faults` is the tests' side: which keys to refuse, and how many puts of a key were tried.
// State lives in this Worker's isolate (one per test file, as workerd runs it locally); every
// test uses its own keys. workerd logs each refusal as an uncaught exception of this Worker (it
// logs every exception an RPC method throws): those lines are expected.
//
// Plain JavaScript: Miniflare loads it as it is, without a build step.
import { WorkerEntrypoint } from 'cloudflare:workers';

/** Puts still to refuse, per key (Infinity: every one). */
const refusals = new Map();
/** Puts tried, per key (refused or not). */
const attempts = new Map();

export class Namespace extends WorkerEntrypoint {
  get(key, options) {
    return this.env.KV.get(key, options);
  }

  getWithMetadata(key, options) {
    return this.env.KV.getWithMetadata(key, options);
  }

  list(options) {
    return this.env.KV.list(options);
  }

  delete(key) {
    return this.env.KV.delete(key);
  }

  put(key, value, options) {
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
    const left = refusals.get(key) ?? 0;
    if (left > 0) {
      refusals.set(key, left - 1);
      throw new Error('KV PUT failed: 429 Too Many Requests');
    }
    return this.env.KV.put(key, value, options);
  }
}

export class Faults extends WorkerEntrypoint {
  /** Refuses the next `times` puts of each key (Infinity: all of them) with KV's 429. */
  refusePuts(keys, times) {
    for (const key of keys) refusals.set(key, times);
  }

  /** How many puts of `key` were tried so far, refused ones included. */
  putAttempts(key) {
    return attempts.get(key) ?? 0;
  }
}

export default {
  fetch() {
    return new Response('KV stand-in: bind its Namespace or Faults entrypoint', { status: 404 });
  },
};
