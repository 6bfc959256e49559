// Test-only (Node, vitest globalSetup): a small NIP-01 relay for the relay bridge's tests.
// Each test uses its own relay, `ws://127.0.0.1:<port>/relays/<name>` (any new name is a new,
// empty relay), and drives it over HTTP from the workerd test:
//   POST /relays/<name>/events   store an event (JSON body) and send it to every open
//                                subscription whose filter it matches (a live event)
//   GET  /relays/<name>/reqs     the REQ filters received, in order
//   POST /relays/<name>/drop     close every socket of the relay (a lost connection)
// A REQ is answered with the stored events its filter matches (kinds, since), newest first as
// relays send them, then EOSE.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import type { WebSocketServer as Server, WebSocket } from 'ws';

// Loaded as Node loads it: vite's resolution of `ws` picks its browser stub, which has no server.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: typeof Server };

interface StoredEvent {
  created_at: number;
  kind: number;
}
interface Filter {
  kinds?: number[];
  since?: number;
}
interface Relay {
  events: StoredEvent[];
  reqs: Filter[];
  sockets: Set<WebSocket>;
  subscriptions: Map<WebSocket, Map<string, Filter>>;
}

const relays = new Map<string, Relay>();
function relay(name: string): Relay {
  let found = relays.get(name);
  if (!found) {
    found = { events: [], reqs: [], sockets: new Set(), subscriptions: new Map() };
    relays.set(name, found);
  }
  return found;
}

const matches = (filter: Filter, event: StoredEvent) =>
  (filter.kinds === undefined || filter.kinds.includes(event.kind)) &&
  (filter.since === undefined || event.created_at >= filter.since);

function onReq(r: Relay, socket: WebSocket, frame: string): void {
  const message = JSON.parse(frame) as unknown[];
  if (message[0] === 'CLOSE') {
    r.subscriptions.get(socket)?.delete(String(message[1]));
    return;
  }
  if (message[0] !== 'REQ') return;
  const id = String(message[1]);
  const filter = (message[2] ?? {}) as Filter;
  r.reqs.push(filter);
  r.subscriptions.get(socket)?.set(id, filter);
  const stored = r.events.filter((e) => matches(filter, e)).sort((a, b) => b.created_at - a.created_at);
  for (const event of stored) socket.send(JSON.stringify(['EVENT', id, event]));
  socket.send(JSON.stringify(['EOSE', id]));
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function control(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const [, root, name, action] = (request.url ?? '').split('/');
  if (root !== 'relays' || !name) {
    response.writeHead(404).end();
    return;
  }
  const r = relay(name);
  if (request.method === 'POST' && action === 'events') {
    const event = JSON.parse(await body(request)) as StoredEvent;
    r.events.push(event);
    for (const [socket, subscriptions] of r.subscriptions) {
      for (const [id, filter] of subscriptions) {
        if (matches(filter, event)) socket.send(JSON.stringify(['EVENT', id, event]));
      }
    }
  } else if (request.method === 'POST' && action === 'drop') {
    for (const socket of r.sockets) socket.terminate();
  } else if (request.method !== 'GET' || action !== 'reqs') {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(r.reqs));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = createServer((request, response) => {
    control(request, response).catch((err: unknown) => response.writeHead(500).end(String(err)));
  });
  const sockets = new WebSocketServer({ server });
  sockets.on('connection', (socket, request) => {
    const [, root, name] = (request.url ?? '').split('/');
    if (root !== 'relays' || !name) {
      socket.close(1008, 'unknown relay');
      return;
    }
    const r = relay(name);
    r.sockets.add(socket);
    r.subscriptions.set(socket, new Map());
    socket.on('message', (data) => onReq(r, socket, data.toString()));
    socket.on('close', () => {
      r.sockets.delete(socket);
      r.subscriptions.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  project.provide('relayStandIn', `http://127.0.0.1:${port}`);
  return async () => {
    for (const socket of sockets.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
