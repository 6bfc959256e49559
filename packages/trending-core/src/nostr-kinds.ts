// The video kinds of Nostr, in a file of their own: nostr-signing.ts (run by Node directly in
// ./scripts/dev and the bench, which strip types only) needs them without nostr-video.ts's imports.

/** diVine's video event: addressable (NIP-01), one video per (pubkey, kind, `d` tag). */
export const DIVINE_VIDEO_KIND = 34236;
/** NIP-71's regular video events (normal and short): each event is its own address. */
export const NIP71_VIDEO_KINDS = [21, 22] as const;
export const VIDEO_EVENT_KINDS: readonly number[] = [...NIP71_VIDEO_KINDS, DIVINE_VIDEO_KIND];
