// Test-only Worker: a stand-in for Workers Analytics Engine datasets (see ae-record.ts).
// Miniflare's own Analytics Engine binding drops every point, so tests could not see what was
// written. Bound in place of a dataset, `Dataset` takes `writeDataPoint(point)` as the real
// binding does (checking the real limits: at most 1 index of 96 bytes, 20 blobs of 16 KB in all,
// 20 doubles) and keeps each point, per dataset, in the order it arrived; `Record` lets tests
// read back what a dataset received. Points live in this Worker's isolate (one per test run, as
// workerd runs it locally) rather than in a Durable Object: the api's tests seed thousands of
// events, and a Durable Object write per point made their seeding twice as slow.
//
// Plain JavaScript: Miniflare loads it as it is, without a build step.
import { WorkerEntrypoint } from 'cloudflare:workers';

const MAX_INDEX_BYTES = 96;
const MAX_BLOBS = 20;
const MAX_BLOB_BYTES = 16 * 1024;
const MAX_DOUBLES = 20;

const bytes = (value) =>
  value instanceof ArrayBuffer ? value.byteLength : new TextEncoder().encode(String(value)).byteLength;

/** The point as Analytics Engine would store it, or a TypeError as its binding throws. */
function checked(point) {
  if (typeof point !== 'object' || point === null) throw new TypeError('writeDataPoint takes an object');
  const indexes = point.indexes ?? [];
  const blobs = point.blobs ?? [];
  const doubles = point.doubles ?? [];
  if (indexes.length > 1) throw new TypeError('at most one index');
  if (indexes[0] !== undefined && indexes[0] !== null && bytes(indexes[0]) > MAX_INDEX_BYTES)
    throw new TypeError(`index over ${MAX_INDEX_BYTES} bytes`);
  if (blobs.length > MAX_BLOBS) throw new TypeError(`more than ${MAX_BLOBS} blobs`);
  if (blobs.reduce((sum, b) => sum + (b === null ? 0 : bytes(b)), 0) > MAX_BLOB_BYTES)
    throw new TypeError(`blobs over ${MAX_BLOB_BYTES} bytes`);
  if (doubles.length > MAX_DOUBLES) throw new TypeError(`more than ${MAX_DOUBLES} doubles`);
  if (!doubles.every((d) => typeof d === 'number')) throw new TypeError('doubles must be numbers');
  return {
    indexes: indexes.map((i) => (i === null || i === undefined ? null : String(i))),
    blobs: blobs.map((b) => (b === null ? null : String(b))),
    doubles,
  };
}

/** Every dataset's points, in the order they arrived. */
const datasets = new Map();

function pointsOf(dataset) {
  let points = datasets.get(dataset);
  if (!points) {
    points = [];
    datasets.set(dataset, points);
  }
  return points;
}

/**
 * Index values (video ids) whose points every dataset refuses, as a failing Analytics Engine
 * binding would: keyed by a test's own video, so that a refusal never reaches another test.
 */
const refused = new Set();

/** Bound as a dataset (props: { dataset }): what a Worker under test writes to. */
export class Dataset extends WorkerEntrypoint {
  writeDataPoint(point) {
    const stored = checked(point);
    if (refused.has(stored.indexes[0])) throw new Error('Analytics Engine: writeDataPoint failed');
    pointsOf(this.ctx.props.dataset).push(stored);
  }
}

/** For tests: the points a dataset has received; with `index`, only those with that index1. */
export class Record extends WorkerEntrypoint {
  points(dataset, index) {
    const points = pointsOf(dataset);
    return index === undefined ? points : points.filter((p) => p.indexes[0] === index);
  }

  /** From now on, every point with this index1 is refused (the binding throws). */
  refuse(index) {
    refused.add(index);
  }
}

export default {
  fetch() {
    return new Response('Analytics Engine stand-in: bind its Dataset or Record entrypoint', { status: 404 });
  },
};
