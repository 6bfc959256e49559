import { READ_LAYERS, type ReadLayer } from '@openvine/trending-core';
import { computeLayer } from './compute-layer.ts';
import { doLayer } from './do-layer.ts';
import { edgeLayer } from './edge-layer.ts';
import { kvLayer } from './kv-layer.ts';
import type { Layer } from './layer.ts';
import { memoryLayer } from './memory-layer.ts';

const LAYERS: Record<ReadLayer, Layer> = {
  memory: memoryLayer,
  edge: edgeLayer,
  do: doLayer,
  kv: kvLayer,
  compute: computeLayer,
};

/**
 * The layers a read tries, top to bottom (trending-core's READ_LAYERS), without those LAYERS_OFF
 * switches off; compute, the source, is never off. Built once per env (read-scope.ts).
 */
export function layerOrder(off: ReadonlySet<string>): readonly Layer[] {
  return READ_LAYERS.filter((name) => name === 'compute' || !off.has(name)).map((name) => LAYERS[name]);
}
