/**
 * "What the state read", pinned: the ISP box's captures turned into the few items a class
 * points at (a password, a session cookie, a chat line, a search), per subscriber, so they
 * stay on the projector while the box's log scrolls on. In Kazakhstan 2019 these were the
 * stakes: the re-signed sites were Google, Facebook, VK, Instagram and the like (Censored
 * Planet's measurement, docs/research.md), read in full by the box.
 */
import type { CaptureEvent } from '../interceptor/events.ts';

export const READ_KINDS = ['password', 'cookie', 'chat', 'search', 'token'] as const;
export type ReadKind = (typeof READ_KINDS)[number];

export interface ReadItem {
  kind: ReadKind;
  site: string;
  /** What the class reads on the screen: `alice / Almaty-2019!`, `session=00f2…`, `"meet at 6"`. */
  text: string;
  /** The walkthrough step (0-based) it was read in; null when read outside one. */
  step: number | null;
}

export interface ReadBySubscriberView {
  subscriber: string;
  items: ReadItem[];
  /** Every distinct thing the box read of this subscriber, pinned or not (URLs, bodies…). */
  total: number;
}

/** Items pinned per subscriber and kind: the newest are kept, so the panel never grows past a screen. */
const PER_KIND = 3;

/** The pinned item a capture makes, or null when it is read but not pinned (a plain URL, a page body). */
export function pinnedItem(e: Pick<CaptureEvent, 'kind' | 'value'>): { kind: ReadKind; text: string } | null {
  switch (e.kind) {
    case 'credential':
      return { kind: 'password', text: credentialText(e.value) };
    case 'cookie':
      // The box reads a cookie twice, set by the site and sent back by the browser: one item.
      return { kind: 'cookie', text: e.value.replace(/^set-cookie:\s*/i, '') };
    case 'ws-message': {
      const said = chatText(e.value.slice(2));
      return said === null ? null : { kind: 'chat', text: `${e.value.startsWith('→') ? 'sent' : 'received'} “${said}”` };
    }
    case 'url': {
      const query = searchQuery(e.value);
      return query === null ? null : { kind: 'search', text: `“${query}”` };
    }
    case 'header':
      return /^authorization:/i.test(e.value) ? { kind: 'token', text: e.value.replace(/^authorization:\s*/i, '') } : null;
    case 'body':
      return null;
  }
}

/** The running tally of what the box read, per subscriber line. */
export class StateRead {
  private readonly bySubscriber = new Map<string, { items: ReadItem[]; distinct: Set<string> }>();

  /** Count one capture; true when the pinned view changed. */
  add(e: CaptureEvent, step: number | null): boolean {
    const subscriber = e.line ?? e.client.address;
    let entry = this.bySubscriber.get(subscriber);
    if (!entry) this.bySubscriber.set(subscriber, (entry = { items: [], distinct: new Set() }));
    const key = `${e.kind}|${e.site}|${e.value}`;
    const isNew = !entry.distinct.has(key);
    entry.distinct.add(key);
    const pinned = pinnedItem(e);
    if (!pinned) return isNew;
    if (entry.items.some((i) => i.kind === pinned.kind && i.site === e.site && i.text === pinned.text)) return isNew;
    entry.items.push({ ...pinned, site: e.site, step });
    const ofKind = entry.items.filter((i) => i.kind === pinned.kind);
    if (ofKind.length > PER_KIND) entry.items.splice(entry.items.indexOf(ofKind[0]!), 1);
    return true;
  }

  view(): ReadBySubscriberView[] {
    return [...this.bySubscriber].map(([subscriber, e]) => ({
      subscriber,
      items: [...e.items].sort((a, b) => READ_KINDS.indexOf(a.kind) - READ_KINDS.indexOf(b.kind)),
      total: e.distinct.size,
    }));
  }
}

/** `username=alice&password=Almaty-2019!` → `username alice · password Almaty-2019!` (the box keeps only these fields, capture-rules.ts). */
function credentialText(value: string): string {
  if (value.startsWith('basic ')) return value.slice(6);
  return value
    .split('&')
    .map((field) => {
      const eq = field.indexOf('=');
      return eq < 0 ? field : `${field.slice(0, eq)} ${field.slice(eq + 1)}`;
    })
    .join(' · ');
}

/** A chat line's text: the `text` of a JSON message, else the frame as it is. */
function chatText(frame: string): string | null {
  try {
    const m: unknown = JSON.parse(frame);
    if (m && typeof m === 'object' && 'text' in m && typeof m.text === 'string') return m.text;
    return null;
  } catch {
    return frame.trim() || null;
  }
}

/** The `q` of a request line `GET https://search.example/search?q=vpn%20download`. */
function searchQuery(requestLine: string): string | null {
  const url = requestLine.split(' ')[1];
  if (!url) return null;
  try {
    return new URL(url).searchParams.get('q');
  } catch {
    return null;
  }
}
