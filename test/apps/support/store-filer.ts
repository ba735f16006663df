/**
 * A worker thread for the voicemail store's test: it prepares `count`
 * messages for one mailbox, waits for the start (so both threads file at
 * once), files them with the shared lock, and posts the numbers it got.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { WavFileWriter } from '../../../src/audio/formats/wav.js';
import { VoicemailStore } from '../../../src/apps/voicemail/store.js';
import { SharedLock, noLock } from '../../../src/util/shared-lock.js';

interface Job {
  readonly dir: string;
  readonly lock: SharedArrayBuffer | undefined;
  readonly start: SharedArrayBuffer;
  readonly count: number;
}

const job = workerData as Job;
const store = new VoicemailStore(job.dir, job.lock ? new SharedLock(job.lock, threadId + 1, 10_000) : noLock);
const tone = Int16Array.from({ length: 9600 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
const recs = Array.from({ length: job.count }, () => {
  const rec = store.begin('100', { caller: `<sip:t${threadId}@x>`, called: 'sip:100@vm', codec: 'PCMU' }, new Date());
  const w = WavFileWriter.create(rec.wav, { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
  w.write(tone);
  w.close();
  return rec;
});
const go = new Int32Array(job.start);
Atomics.add(go, 1, 1);
Atomics.wait(go, 0, 0, 10_000);
const got: number[] = [];
for (const rec of recs) got.push(store.finish(rec, 'hangup')?.index ?? -1);
parentPort?.postMessage(got);
