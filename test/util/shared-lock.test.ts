/**
 * The lock the media workers share (`SharedLock`), and the voicemail store
 * under it: a held lock makes another party's change fail (nothing filed)
 * rather than race; a dead holder's lock is freed by its owner; and two
 * real threads filing 30 messages each into one mailbox at once get 60
 * distinct, dense numbers.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { WavFileWriter } from '../../src/audio/formats/wav.js';
import { VoicemailStore } from '../../src/apps/voicemail/store.js';
import { LockBusyError, SharedLock } from '../../src/util/shared-lock.js';

const root = mkdtempSync(join(tmpdir(), 'shtoom-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SharedLock', () => {
  it('a second party waits, then gives up with LockBusyError; re-entrant for its holder', () => {
    const buf = SharedLock.buffer();
    const a = new SharedLock(buf, 1);
    const b = new SharedLock(buf, 2, 0);
    const seen = a.run(() => {
      expect(a.holder).toBe(1);
      expect(() => b.run(() => 'b ran')).toThrow(LockBusyError);
      return a.run(() => 'nested');
    });
    expect(seen).toBe('nested');
    expect(a.holder).toBe(0);
    expect(b.run(() => 'b ran')).toBe('b ran');
    expect(() => new SharedLock(buf, 0)).toThrow(RangeError);
  });

  it('a lock a dead party held is freed by releaseIfHeldBy (only for that party)', () => {
    const buf = SharedLock.buffer();
    Atomics.store(new Int32Array(buf), 0, 7);
    const b = new SharedLock(buf, 2, 0);
    expect(() => b.run(() => 1)).toThrow(/held by 7/);
    expect(b.releaseIfHeldBy(3)).toBe(false);
    expect(b.releaseIfHeldBy(7)).toBe(true);
    expect(b.run(() => 1)).toBe(1);
  });

  it('the store files under the lock: while another holds it, nothing is filed and recover() files it later', () => {
    const dir = join(root, 'held');
    const buf = SharedLock.buffer();
    const other = new SharedLock(buf, 9);
    const store = new VoicemailStore(dir, new SharedLock(buf, 1, 0));
    const rec = store.begin('100', { caller: 'a', called: 'b', codec: 'PCMU' }, new Date());
    const w = WavFileWriter.create(rec.wav, { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
    w.write(Int16Array.from({ length: 16000 }, (_, i) => Math.round(6000 * Math.sin(i / 3))));
    w.close();
    other.run(() => {
      expect(() => store.finish(rec, 'hangup')).toThrow(LockBusyError);
      expect(() => store.counts('100')).toThrow(LockBusyError);
    });
    expect(store.counts('100')).toEqual({ new: 0, old: 0 });
    expect(store.recover().map((m) => m.index)).toEqual([0]);
    expect(store.counts('100')).toEqual({ new: 1, old: 0 });
  });

  it('two threads filing into one mailbox at once: 60 messages, numbered 0..59', async () => {
    const dir = join(root, 'threads');
    const start = new SharedArrayBuffer(8);
    const lock = SharedLock.buffer();
    const url = new URL('../apps/support/store-filer.ts', import.meta.url);
    const code = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`;
    const results = [0, 1].map(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { dir, lock, start, count: 30 } });
          w.once('message', (m: number[]) => resolve(m));
          w.once('error', reject);
          w.once('exit', (c) => reject(new Error(`filer exited ${c}`)));
        }),
    );
    const go = new Int32Array(start);
    const until = Date.now() + 20_000;
    while (Atomics.load(go, 1) < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    const got = (await Promise.all(results)).flat();
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const inbox = readdirSync(join(dir, '100', 'INBOX')).filter((f) => f.endsWith('.wav'));
    expect(inbox).toHaveLength(60);
    const store = new VoicemailStore(dir);
    expect(new Set(store.list('100', 'INBOX').map((m) => m.meta.id)).size).toBe(60);
  });
});
