/** What the console pins under "What the state read", from the box's capture events. */
import { describe, expect, it } from 'vitest';
import type { CaptureEvent } from '../../src/interceptor/events.ts';
import { pinnedItem, StateRead } from '../../src/console/state-read.ts';
import { subscriberView } from '../../src/console/subscriber-view.ts';
import { CLIENT_PROFILES } from '../../src/scenario/client-profiles.ts';

const capture = (line: string | null, kind: CaptureEvent['kind'], value: string, site = 'bank.example'): CaptureEvent => ({
  type: 'capture',
  flow: 'f1',
  time: '2026-12-03T00:00:00.000Z',
  client: { address: '127.80.2.11', port: 40000 },
  line,
  site,
  kind,
  value,
});

describe('pinned items', () => {
  it('words each kind a class points at, and leaves plain URLs and bodies unpinned', () => {
    expect(pinnedItem(capture('a', 'credential', 'username=alice&password=Almaty-2019!'))).toEqual({
      kind: 'password',
      text: 'username alice · password Almaty-2019!',
    });
    expect(pinnedItem(capture('a', 'credential', 'basic alice:secret'))).toEqual({ kind: 'password', text: 'alice:secret' });
    expect(pinnedItem(capture('a', 'cookie', 'set-cookie: session=abc'))).toEqual({ kind: 'cookie', text: 'session=abc' });
    expect(pinnedItem(capture('a', 'ws-message', '→ {"text":"meet at 6"}'))).toEqual({ kind: 'chat', text: 'sent “meet at 6”' });
    expect(pinnedItem(capture('a', 'ws-message', '← {"from":"guest","text":"hi"}'))).toEqual({ kind: 'chat', text: 'received “hi”' });
    expect(pinnedItem(capture('a', 'url', 'GET https://search.example/search?q=vpn%20download'))).toEqual({ kind: 'search', text: '“vpn download”' });
    expect(pinnedItem(capture('a', 'header', 'authorization: Bearer t0k'))).toEqual({ kind: 'token', text: 'Bearer t0k' });
    expect(pinnedItem(capture('a', 'url', 'GET https://bank.example/account'))).toBeNull();
    expect(pinnedItem(capture('a', 'body', '← {"token":"x"}'))).toBeNull();
    expect(pinnedItem(capture('a', 'ws-message', '← {"kind":"presence"}'))).toBeNull();
  });
});

describe('the tally', () => {
  it('pins per subscriber line, once per item, with the step it was read in', () => {
    const read = new StateRead();
    expect(read.add(capture('installed-cert', 'cookie', 'set-cookie: session=abc'), 2)).toBe(true);
    // The browser sends the cookie back: read again, pinned once.
    expect(read.add(capture('installed-cert', 'cookie', 'session=abc'), 2)).toBe(true);
    expect(read.add(capture('installed-cert', 'cookie', 'session=abc'), 3)).toBe(false);
    read.add(capture('installed-cert', 'credential', 'username=alice&password=p'), 2);
    read.add(capture(null, 'url', 'GET http://qca.example/', 'qca.example'), 0);
    const view = read.view();
    expect(view).toEqual([
      {
        subscriber: 'installed-cert',
        total: 3,
        items: [
          { kind: 'password', site: 'bank.example', text: 'username alice · password p', step: 2 },
          { kind: 'cookie', site: 'bank.example', text: 'session=abc', step: 2 },
        ],
      },
      // A line the runtime cannot name is shown by its address.
      { subscriber: '127.80.2.11', total: 1, items: [] },
    ]);
  });

  it('keeps only the newest few of a kind, so the panel stays bounded however long the class runs', () => {
    const read = new StateRead();
    for (let i = 0; i < 50; i++) read.add(capture('chatty', 'ws-message', `→ {"text":"line ${i}"}`, 'social.example'), 4);
    const [chatty] = read.view();
    expect(chatty?.total).toBe(50);
    expect(chatty?.items.map((x) => x.text)).toEqual(['sent “line 47”', 'sent “line 48”', 'sent “line 49”']);
  });
});

describe('subscriber cards', () => {
  it('say at a glance who holds the state root and what else defends them', () => {
    const byName = (n: string) => subscriberView(CLIENT_PROFILES.find((c) => c.name === n)!);
    expect(byName('no-cert')).toMatchObject({ trustsState: false, trust: 'no state root', defences: [], program: 'scripted' });
    expect(byName('chrome-2019')).toMatchObject({ trustsState: true, trust: 'has state root', defences: ['Chrome 2019 block list'] });
    expect(byName('pinned-ca-app').defences).toEqual(["pins bank.example's CA"]);
    expect(byName('click-through').defences).toEqual(['clicks through warnings']);
  });
});
