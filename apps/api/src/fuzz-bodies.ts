// Hostile request bodies for the api's fuzz test (fuzz-requests.ts). Test-only. A body meant to be
// refused carries at least one definite fault, whatever else was drawn into it, so that a refused
// request can be required to store nothing.
import { type Draw, FULLWIDTH_HEX, put, RawJson } from './fuzz-draw.ts';

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Strings Hex64Schema refuses (and values that are not strings at all). */
export function badId(draw: Draw): unknown {
  const hex = draw.hex(64);
  return draw.of<unknown>([
    () => hex.slice(1),
    () => `${hex}0`,
    () => `${hex.slice(1)}g`,
    () => `${hex.slice(2)}\u0000\u0000`,
    () => ` ${hex.slice(1)}`,
    () => `${hex}\n`,
    () => `0x${hex.slice(2)}`,
    () => `${hex.slice(1)}é`,
    () => [...hex].map((c) => FULLWIDTH_HEX[c] ?? c).join(''),
    () => `${hex.slice(2)}😀`,
    () => hex.repeat(2),
    () => hex.slice(0, 32),
    () => '',
    () => '__proto__',
    () => draw.text(64, 1),
    () => Number.parseInt(hex.slice(0, 12), 16),
    () => new RawJson('1e400'),
    () => null,
    () => true,
    () => [hex],
    () => ({ id: hex }),
  ]);
}

/** A valid /v1 view event with hostile but acceptable strings. */
export function viewEvent(draw: Draw, videoId: string): Record<string, unknown> {
  const event: Record<string, unknown> = {
    videoId,
    viewerId: draw.text(128, 1),
    eventType: draw.one(['view_start', 'view_end']),
  };
  if (draw.chance(0.5)) event.watchMs = draw.int(0, 86_400_000);
  if (draw.chance(0.5)) event.durationMs = draw.int(0, 86_400_000);
  if (draw.chance(0.3)) event.loops = draw.int(0, 10_000);
  if (draw.chance(0.3)) event.completion = draw.one([0, 1, 0.5, 5e-324, 0.9999999999]);
  if (draw.chance(0.3)) event.title = draw.text(300);
  if (draw.chance(0.3)) event.hashtags = Array.from({ length: draw.int(0, 20) }, () => draw.text(64));
  if (draw.chance(0.2)) event.source = draw.text(32);
  if (draw.chance(0.2)) event.country = draw.one(['DE', 'us', 'Fr', 'zz']);
  if (draw.chance(0.2)) event.creatorPubkey = draw.id();
  return event;
}

/** One definite fault for a /v1 event: whatever else it holds, ViewEventsBodySchema refuses it. */
function poisonEvent(draw: Draw, event: Record<string, unknown>): void {
  const field = draw.one([
    'videoId',
    'videoId',
    'videoId',
    'viewerId',
    'eventType',
    'watchMs',
    'durationMs',
    'loops',
    'completion',
    'hashtags',
    'title',
    'country',
    'source',
    'timestamp',
    'idempotencyKey',
    'creatorPubkey',
    'proto',
  ]);
  const ms = () =>
    draw.one<unknown>([-1, 1.5, 86_400_001, 1e308, new RawJson('1e400'), '5000', null, true, [], {}]);
  const text = (max: number) => draw.one<unknown>(['x'.repeat(max + 1), '😀'.repeat(max), 5, null, [], {}]);
  switch (field) {
    case 'videoId':
      if (draw.chance(0.2)) delete event.videoId;
      else event.videoId = badId(draw);
      return;
    case 'viewerId':
      if (draw.chance(0.2)) delete event.viewerId;
      else event.viewerId = draw.one<unknown>(['', 'v'.repeat(129), 0, null, ['v'], { id: 'v' }, false]);
      return;
    case 'eventType':
      if (draw.chance(0.2)) delete event.eventType;
      else
        event.eventType = draw.one<unknown>(['view', 'VIEW_END', ' view_end', 'view_end\u0000', '', 1, null]);
      return;
    case 'watchMs':
    case 'durationMs':
      event[field] = ms();
      return;
    case 'loops':
      event.loops = draw.one<unknown>([10_001, -1, 0.5, '1', null, new RawJson('1e400')]);
      return;
    case 'completion':
      event.completion = draw.one<unknown>([-0.0001, 1.0001, 1e308, '0.5', null, new RawJson('-1e400')]);
      return;
    case 'hashtags':
      event.hashtags = draw.of<unknown>([
        () => Array.from({ length: draw.int(21, 500) }, (_, i) => `tag${i}`),
        () => ['ok', 'x'.repeat(65)],
        () => ['ok', 1],
        () => [null],
        () => [['nested']],
        () => 'tag',
        () => ({ 0: 'tag' }),
        () => null,
      ]);
      return;
    case 'title':
      event.title = text(300);
      return;
    case 'source':
      event.source = text(32);
      return;
    case 'country':
      event.country = draw.one<unknown>(['DEU', 'd', '12', 'üü', '', null, 49]);
      return;
    case 'timestamp':
      // Never near the present: old (before 1971) or far future, whatever the clock says.
      event.timestamp = draw.one<unknown>([
        0,
        -1,
        9e15,
        1.5,
        new RawJson('1e400'),
        '1970-01-01T00:00:00Z',
        '9999-12-31T23:59:59Z',
        'yesterday',
        '',
        'x'.repeat(41),
        true,
        null,
        {},
      ]);
      return;
    case 'idempotencyKey':
      event.idempotencyKey = draw.one<unknown>(['', 'k'.repeat(129), 7, null, ['k']]);
      return;
    case 'creatorPubkey':
      event.creatorPubkey = badId(draw);
      return;
    case 'proto':
      // The required fields offered only through prototype keys, which JSON.parse keeps as own
      // properties: read as fields, they would make a valid event.
      delete event.videoId;
      put(event, draw.one(PROTO_KEYS), { videoId: draw.hex(64), viewerId: 'v', eventType: 'view_end' });
      return;
  }
}

/** Extra keys that no schema knows: noise beside a fault, never the fault itself. */
export function addNoiseKeys(draw: Draw, target: Record<string, unknown>): void {
  for (let i = draw.int(0, 3); i > 0; i--) {
    put(target, draw.chance(0.5) ? draw.one(PROTO_KEYS) : draw.text(20, 1), draw.wild());
  }
}

/** The app's fields, each absent or any value at all: ClientViewSchema clamps or drops them. */
export function appFields(draw: Draw): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const fields = [
    'userId',
    'source',
    'eventType',
    'creatorPubkey',
    'title',
    'timestamp',
    'watchDuration',
    'totalDuration',
    'loopCount',
    'completedVideo',
    'completionRate',
  ];
  for (const field of fields) if (draw.chance(0.5)) body[field] = draw.wild();
  if (draw.chance(0.5)) {
    body.hashtags = Array.from({ length: draw.int(0, 60) }, () =>
      draw.chance(0.7) ? draw.text(100) : draw.wild(2),
    );
  }
  return body;
}

/** A body POST /analytics/view refuses: its eventId is missing or not 64 hex. */
export function poisonedAppBody(draw: Draw): Record<string, unknown> {
  const body = appFields(draw);
  const fault = draw.int(0, 9);
  if (fault === 0) {
    // Missing, and offered through a prototype key instead.
    put(body, draw.one(PROTO_KEYS), { eventId: draw.hex(64) });
  } else if (fault > 1) {
    body.eventId = badId(draw);
  }
  addNoiseKeys(draw, body);
  return body;
}

/** A body POST /v1/events/views refuses: one event, or a batch, with at least one fault. */
export function poisonedV1Body(draw: Draw, pool: readonly string[]): unknown {
  const valid = () => viewEvent(draw, draw.one(pool));
  const poisoned = () => {
    const event = valid();
    for (let i = draw.int(1, 3); i > 0; i--) poisonEvent(draw, event);
    addNoiseKeys(draw, event);
    return event;
  };
  return draw.of<unknown>([
    poisoned,
    poisoned,
    poisoned,
    () => {
      // A batch of valid events but one: all or nothing.
      const events = Array.from({ length: draw.int(1, 60) }, valid);
      events.splice(draw.int(0, events.length), 0, poisoned());
      return { events };
    },
    () => {
      // Valid events and one whose only fault is a time outside the accepted range: the schema
      // passes, normalizing refuses, and none of the batch may be stored.
      const events = Array.from({ length: draw.int(1, 30) }, valid);
      const outOfRange = valid();
      outOfRange.timestamp = draw.one<unknown>([
        0,
        1_000,
        9e15,
        '1970-01-01T00:00:00Z',
        '1999-12-31T23:59:59',
        '9999-12-31T23:59:59+01:00',
      ]);
      events.splice(draw.int(1, events.length), 0, outOfRange);
      return { events };
    },
    () => ({ events: [] }),
    () => ({
      // Lean events, so that the batch is refused for its length, not its size.
      events: Array.from({ length: draw.int(101, 140) }, (_, i) => ({
        videoId: draw.one(pool),
        viewerId: `v${i}`,
        eventType: 'view_end',
      })),
    }),
    () => ({ events: draw.one<unknown>([null, 'events', 5, {}, { 0: valid() }, true]) }),
    () => ({ events: [[valid()]] }),
    () => ({ events: [valid(), draw.one<unknown>([null, 1, 'e', []])] }),
    () => draw.one<unknown>([null, true, 0, 'event', []]),
    () => [valid()],
    () => ({ events: { events: [valid()] } }),
  ]);
}

/** JSON that is not JSON. Built around bodies invalid on their own, so that none may be stored. */
export function malformedJson(draw: Draw, bodyText: string): string | Uint8Array {
  const encoder = new TextEncoder();
  return draw.of<string | Uint8Array>([
    // Every proper prefix of an object's text is unbalanced, so never valid JSON.
    () => bodyText.slice(0, draw.int(0, bodyText.length - 1)),
    () => `${bodyText}}`,
    () => `${bodyText}x`,
    () => `${bodyText}${bodyText}`,
    () => bodyText.replaceAll('"', "'"),
    () => bodyText.replace(/"([^"]+)":/g, '$1:'),
    () => bodyText.replace(/}$/, ',}'),
    () => `/* c */${bodyText}`,
    () => `{"eventId": NaN, "videoId": undefined}`,
    () => `{"title": "${'\u0001'.repeat(3)}"}`,
    () => `{"title": "\\x41\\u12"}`,
    () => `\ufeff\ufeff${bodyText}`,
    () => '',
    () => ' \n\t ',
    () => 'null',
    () => '"just a string"',
    () => encoder.encode(`{"title": "\xff"}`).map((b, i, all) => (i === all.length - 3 ? 0xff : b)),
    () => Uint8Array.from([0x7b, 0x22, 0xc0, 0x80, 0x22, 0x3a, 0xed, 0xa0, 0x80, 0x7d]),
    () => {
      // UTF-16LE: read as UTF-8, NUL bytes between every character.
      const bytes = new Uint8Array(bodyText.length * 2);
      for (let i = 0; i < bodyText.length; i++) {
        bytes[2 * i] = bodyText.charCodeAt(i) & 0xff;
        bytes[2 * i + 1] = bodyText.charCodeAt(i) >> 8;
      }
      return bytes;
    },
  ]);
}

/** Deep nesting within the body limit: JSON.parse and the schemas must answer 400, not crash. */
export function nestedJson(draw: Draw, idField: 'eventId' | 'videoId'): string {
  // Depths whose text, twice over, stays under the body limit (2 bytes a level, or 6).
  const arrays = draw.chance(0.5);
  const depth = draw.int(100, arrays ? 14_000 : 4_500);
  const open = arrays ? '['.repeat(depth) : '{"a":'.repeat(depth);
  const close = arrays ? ']'.repeat(depth) : '}'.repeat(depth);
  const deep = `${open}1${draw.chance(0.9) ? close : close.slice(1)}`;
  return draw.of([
    () => deep,
    () => `{"${idField}":${deep}}`,
    () => `{"${idField}":"not hex","title":${deep},"hashtags":${deep}}`,
    () => `{"events":[${deep}]}`,
    () => `{"events":[{"videoId":1,"viewerId":"v","eventType":"view_end","hashtags":${deep}}]}`,
  ]);
}
