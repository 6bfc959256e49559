export * from './events.ts';
export * from './headers.ts';
export * from './keys.ts';
export * from './responses.ts';
export * from './schemas.ts';
export * from './scoring.ts';
export * from './ttl-policy.ts';
export * from './windows.ts';
