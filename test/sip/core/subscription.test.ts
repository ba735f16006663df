/**
 * The subscription machinery of the core, fed raw messages (RFC 6665,
 * RFC 3515): a NOTIFY that overtakes the 200, what is malformed, and the
 * notifier's answers.
 */
import { describe, expect, it } from 'vitest';
import type { SubscriptionChange } from '../../../src/sip/core/events.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import type { SipRequest } from '../../../src/sip/message/message.js';
import { parseSipUri } from '../../../src/sip/message/uri.js';
import { Probe, rawRequest } from '../support/probe.js';

/** The requests the core sent since the last call. */
function sentRequests(p: Probe, from: number): SipRequest[] {
  const out: SipRequest[] = [];
  for (const t of p.transmits.slice(from)) {
    const m = parseMessage(t.bytes, { datagram: true }).message;
    if (m?.type === 'request') out.push(m);
  }
  return out;
}

describe('subscriber (RFC 6665 4.1)', () => {
  it('a NOTIFY that comes before the 200 makes the dialog; the 200 then finds it', () => {
    const p = new Probe({ aor: parseSipUri('sip:bob@192.0.2.2') });
    const sub = p.core.subscribe(parseSipUri('sip:alice@192.0.2.1'), { event: 'presence', expires: 600 }, p.now, {
      onChange: () => {},
    });
    const changes = (): SubscriptionChange['kind'][] =>
      p.events.flatMap((e) => (e.type === 'subscription' ? [e.change.kind] : []));
    p.drain();
    const subscribe = sentRequests(p, 0)[0]!;
    expect(subscribe.method).toBe('SUBSCRIBE');
    const notify = rawRequest('NOTIFY', {
      uri: 'sip:bob@192.0.2.2',
      callId: subscribe.callId,
      fromTag: 'n1',
      toTag: subscribe.fromTag!,
      cseq: '1 NOTIFY',
      extra: 'Event: presence\nSubscription-State: active;expires=599\nContent-Type: text/plain',
      body: 'open',
    });
    expect(p.send(notify).map((r) => r.status)).toEqual([200]);
    expect(sub.dialog?.remoteTag).toBe('n1');
    expect(sub.state).toBe('active');
    expect(p.core.dialogs.size).toBe(1);
    // The 200 to the SUBSCRIBE arrives after the NOTIFY.
    const ok = [
      'SIP/2.0 200 OK',
      `Via: ${subscribe.header('via')}`,
      `From: ${subscribe.header('from')}`,
      `To: ${subscribe.header('to')};tag=n1`,
      `Call-ID: ${subscribe.callId}`,
      `CSeq: ${subscribe.cseq.seq} SUBSCRIBE`,
      'Contact: <sip:alice@192.0.2.1>',
      'Expires: 600',
      'Content-Length: 0',
      '',
      '',
    ].join('\n');
    p.send(ok);
    expect(p.core.dialogs.size).toBe(1);
    expect(changes()).toEqual(['notify', 'accepted']);
  });

  it('a NOTIFY without Subscription-State gets 400; one for an unknown dialog 481; one with no To tag 481', () => {
    const p = new Probe({ aor: parseSipUri('sip:bob@192.0.2.2') });
    const sub = p.core.subscribe(parseSipUri('sip:alice@192.0.2.1'), { event: 'presence' }, p.now, {
      onChange: () => {},
    });
    p.drain();
    const subscribe = sentRequests(p, 0)[0]!;
    const base = { callId: subscribe.callId, fromTag: 'n1', toTag: subscribe.fromTag!, cseq: '1 NOTIFY' };
    expect(p.send(rawRequest('NOTIFY', { ...base, extra: 'Event: presence' })).map((r) => r.status)).toEqual([400]);
    expect(sub.state).toBe('init');
    expect(
      p.send(rawRequest('NOTIFY', { ...base, toTag: 'nobody', extra: 'Event: presence\nSubscription-State: active' })),
    ).toMatchObject([{ status: 481 }]);
    expect(p.send(rawRequest('NOTIFY', { extra: 'Event: presence\nSubscription-State: active' }))).toMatchObject([
      { status: 481 },
    ]);
    // A NOTIFY of another package does not make the dialog.
    expect(p.send(rawRequest('NOTIFY', { ...base, extra: 'Event: dialog\nSubscription-State: active' }))).toMatchObject(
      [{ status: 481 }],
    );
    expect(p.core.dialogs.size).toBe(0);
  });
});

describe('notifier (RFC 6665 4.2) and REFER (RFC 3515) answers', () => {
  it('SUBSCRIBE without Event: 400; with two: 400; a package outside the list: 489 with Allow-Events', () => {
    const p = new Probe({ events: ['message-summary'] });
    expect(p.send(rawRequest('SUBSCRIBE'))).toMatchObject([{ status: 400, reason: 'Missing Event Header' }]);
    expect(p.send(rawRequest('SUBSCRIBE', { extra: 'Event: a\nEvent: b' }))).toMatchObject([{ status: 400 }]);
    const r = p.send(rawRequest('SUBSCRIBE', { extra: 'Event: presence' }));
    expect(r.map((x) => [x.status, x.header('allow-events')])).toEqual([[489, 'message-summary']]);
    const ok = p.send(rawRequest('SUBSCRIBE', { extra: 'Event: message-summary' }));
    expect(ok).toEqual([]); // for the owner to answer
    const e = p.events.find((x) => x.type === 'subscribe');
    expect(e?.type === 'subscribe' && e.subscription.event).toBe('message-summary');
  });

  it('accepting a SUBSCRIBE outside dialogs: 200 with Expires, Contact and Record-Route, then NOTIFY at once', () => {
    const p = new Probe();
    p.send(
      rawRequest('SUBSCRIBE', {
        extra: 'Event: message-summary\nExpires: 300\nRecord-Route: <sip:proxy.example.com;lr>',
      }),
    );
    const e = p.events.find((x) => x.type === 'subscribe');
    if (e?.type !== 'subscribe') throw new Error('no subscribe event');
    const before = p.transmits.length;
    e.subscription.accept(p.now, { expires: 300, body: Buffer.from('Messages-Waiting: no\r\n'), contentType: 'x/y' });
    const res = p.drain();
    expect(res.map((r) => [r.status, r.header('expires'), r.header('record-route')])).toEqual([
      [200, '300', '<sip:proxy.example.com;lr>'],
    ]);
    expect(res[0]!.has('contact')).toBe(true);
    const notify = sentRequests(p, before)[0]!;
    expect(notify.method).toBe('NOTIFY');
    expect(notify.header('route')).toBe('<sip:proxy.example.com;lr>');
    expect(notify.header('event')).toBe('message-summary');
    expect(notify.header('subscription-state')).toBe('active;expires=300');
    expect(notify.toTag).toBe('a1');
    expect(notify.has('contact')).toBe(true);
    // 64*T1 without an answer to the NOTIFY: the subscription is removed (RFC 6665 4.2.2).
    p.advance(40_000);
    expect(e.subscription.state).toBe('terminated');
    expect(p.core.dialogs.size).toBe(0);
  });

  it('REFER outside dialogs with a bad Refer-To: 400 naming why', () => {
    const p = new Probe();
    const r = p.send(rawRequest('REFER', { extra: 'Refer-To: <sip:carol@example.com' }));
    expect(r[0]!.status).toBe(400);
    expect(r[0]!.header('warning')).toMatch(/Refer-To/);
  });
});
