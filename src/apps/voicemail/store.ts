/**
 * The voicemail spool on disk, in the layout Asterisk users know:
 *
 * ```
 * DIR/<mailbox>/INBOX/msg0000.wav  msg0000.json   new messages, numbered densely from 0
 * DIR/<mailbox>/Old/msg0000.wav    msg0000.json   heard and saved
 * DIR/<mailbox>/tmp/<id>.wav       <id>.json      a message being recorded
 * DIR/<mailbox>/unavail.wav                       the owner's greeting
 * DIR/<mailbox>/greet.wav                         the owner's recorded name
 * DIR/<mailbox>/pin                               the PIN the owner chose (over the mailboxes file's)
 * ```
 *
 * A message is recorded into `tmp/` (the crash-safe WAV writer keeps its
 * header true at least once a second) with a json saying `"ended":
 * "recording"`; once it ends, its json is rewritten and both files are
 * renamed into INBOX under the next free number. Every change of numbers
 * (a delete, a move to Old) renames the later messages down, so numbering
 * stays dense. All of it is synchronous: one process never sees half a
 * change; the media workers of one server (`serve voicemail --workers N`)
 * share a lock (`SharedLock`) under which every change and every listing
 * runs, so two messages filed at once for one mailbox get two numbers.
 * `recover()` (at start-up) moves what a killed server left in
 * `tmp/` into INBOX, with what is known (a stale json's duration is taken
 * from the WAV), and writes the json of a message that has none.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { WavFileReader, readWavFile } from '../../audio/formats/wav.js';
import { Vad } from '../../audio/dsp/vad.js';
import { noLock, type SyncLock } from '../../util/shared-lock.js';

/** The two folders an owner hears. */
export type Folder = 'INBOX' | 'Old';

/** Why a message ended. */
export type EndReason = 'hangup' | 'dtmf' | 'silence' | 'max' | 'operator' | 'recording' | 'interrupted';

/** What the `.json` beside each message says. */
export interface MessageMeta {
  /** Stable across renumbering (the file names are not). */
  readonly id: string;
  readonly mailbox: string;
  /** Who called: the From of the INVITE. */
  readonly caller: string;
  /** What was called: the Request-URI (or the redirecting header that chose the mailbox). */
  readonly called: string;
  /** When it began, ISO 8601. */
  readonly time: string;
  /** Seconds of audio. */
  readonly duration: number;
  readonly codec: string;
  /** `recording` while it is being recorded; `interrupted` when the server died during it. */
  readonly ended: EndReason;
}

/** A stored message: its place and its metadata. */
export interface StoredMessage {
  readonly folder: Folder;
  /** Its number in the folder (msgNNNN). */
  readonly index: number;
  readonly wav: string;
  readonly json: string;
  readonly meta: MessageMeta;
}

const MSG = /^msg(\d{4})\.wav$/;
/** Messages a folder holds at most (four digits). */
export const MAX_MESSAGES = 10_000;

/** Samples of speech (any sound above the noise) in 8 kHz PCM, by the VAD. */
export function speechSamples(samples: Int16Array): number {
  const vad = new Vad();
  vad.process(samples);
  vad.flush();
  let n = 0;
  for (let e = vad.pollEvent(); e; e = vad.pollEvent()) if (e.type === 'speech-end') n += e.duration ?? 0;
  return n;
}

/** Seconds of audio a WAV file holds (0 when it does not read). */
export function wavSeconds(file: string): number {
  try {
    const r = WavFileReader.open(file);
    try {
      return r.layout.frames / r.format.sampleRate;
    } finally {
      r.close();
    }
  } catch {
    return 0;
  }
}

/**
 * Make a 16-bit PCM WAV's header cover every whole frame the file holds:
 * a killed writer's header may lag its data by up to a second. Returns
 * whether it changed anything.
 */
export function repairWavHeader(file: string): boolean {
  let layout: { dataOffset: number; dataBytes: number; blockAlign: number; encoding: string };
  try {
    const r = WavFileReader.open(file);
    layout = { ...r.layout, encoding: r.format.encoding };
    r.close();
  } catch {
    return false;
  }
  if (layout.encoding !== 'pcm') return false;
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const bytes = Math.floor((size - layout.dataOffset) / layout.blockAlign) * layout.blockAlign;
    if (bytes <= layout.dataBytes) return false;
    const u32 = (v: number, at: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Math.min(0xffffffff, v));
      writeSync(fd, b, 0, 4, at);
    };
    u32(layout.dataOffset - 8 + bytes, 4);
    u32(bytes, layout.dataOffset - 4);
    return true;
  } finally {
    closeSync(fd);
  }
}

function name(i: number): string {
  return `msg${String(i).padStart(4, '0')}`;
}

/** Write `file` whole: a reader (or a crash) never sees half of it. */
export function writeWhole(file: string, text: string, mode?: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, mode !== undefined ? { mode } : {});
  renameSync(tmp, file);
}

/**
 * @example
 * const store = new VoicemailStore('/var/spool/voicemail');
 * const rec = store.begin('100', { caller: '<sip:bob@x>', called: 'sip:100@vm', codec: 'PCMU' }, new Date());
 * // … record into rec.wav …
 * store.finish(rec, 'hangup');            // → INBOX/msg0000.wav and .json
 */
export class VoicemailStore {
  /** @param lock shared by every thread that changes `dir` (default: this thread alone) */
  constructor(
    readonly dir: string,
    private readonly lock: SyncLock = noLock,
  ) {}

  /** The mailbox's directory. */
  boxDir(mailbox: string): string {
    return join(this.dir, mailbox);
  }
  folderDir(mailbox: string, folder: Folder | 'tmp'): string {
    return join(this.dir, mailbox, folder);
  }
  /** The owner's greeting, if recorded. */
  greeting(mailbox: string): string {
    return join(this.dir, mailbox, 'unavail.wav');
  }
  /** The owner's recorded name, if recorded. */
  nameFile(mailbox: string): string {
    return join(this.dir, mailbox, 'greet.wav');
  }

  /** The folder's messages in order (a message without json gets what its WAV tells). */
  list(mailbox: string, folder: Folder): StoredMessage[] {
    return this.lock.run(() => this.listNow(mailbox, folder));
  }

  private listNow(mailbox: string, folder: Folder): StoredMessage[] {
    const dir = this.folderDir(mailbox, folder);
    if (!existsSync(dir)) return [];
    const out: StoredMessage[] = [];
    for (const f of readdirSync(dir).sort()) {
      const m = MSG.exec(f);
      if (!m) continue;
      const wav = join(dir, f);
      const json = wav.replace(/\.wav$/, '.json');
      out.push({ folder, index: Number(m[1]), wav, json, meta: this.readMeta(json, wav, mailbox) });
    }
    return out;
  }

  /** New and old messages. */
  counts(mailbox: string): { readonly new: number; readonly old: number } {
    return this.lock.run(() => ({
      new: this.listNow(mailbox, 'INBOX').length,
      old: this.listNow(mailbox, 'Old').length,
    }));
  }

  private readMeta(json: string, wav: string, mailbox: string): MessageMeta {
    try {
      const m = JSON.parse(readFileSync(json, 'utf8')) as MessageMeta;
      if (typeof m.id === 'string') return m;
    } catch {
      // No json (or a torn one): what the WAV tells.
    }
    return this.guessMeta(wav, mailbox);
  }

  private guessMeta(wav: string, mailbox: string): MessageMeta {
    let time = new Date(0);
    try {
      time = statSync(wav).mtime;
    } catch {
      // gone meanwhile
    }
    return {
      id: `${mailbox}-${wav.replace(/^.*\//, '').replace(/\.wav$/, '')}-${time.getTime()}`,
      mailbox,
      caller: 'unknown',
      called: 'unknown',
      time: time.toISOString(),
      duration: Math.round(wavSeconds(wav) * 10) / 10,
      codec: 'unknown',
      ended: 'interrupted',
    };
  }

  /** Start a message: its json (`ended: recording`) is written now; the caller records into `wav`. */
  begin(
    mailbox: string,
    who: { readonly caller: string; readonly called: string; readonly codec: string },
    at: Date,
  ): { readonly wav: string; readonly json: string; readonly meta: MessageMeta } {
    const tmp = this.folderDir(mailbox, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const id = `${at.getTime()}-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
    const meta: MessageMeta = {
      id,
      mailbox,
      caller: who.caller,
      called: who.called,
      time: at.toISOString(),
      duration: 0,
      codec: who.codec,
      ended: 'recording',
    };
    const wav = join(tmp, `${id}.wav`);
    const json = join(tmp, `${id}.json`);
    writeWhole(json, `${JSON.stringify(meta, null, 2)}\n`);
    return { wav, json, meta };
  }

  /**
   * End a message: kept in INBOX under the next number when it holds at
   * least `minSpeechMs` of sound, else removed. Returns the stored message,
   * or undefined when it was discarded.
   */
  finish(
    rec: { readonly wav: string; readonly json: string; readonly meta: MessageMeta },
    ended: EndReason,
    minSpeechMs = 1000,
  ): StoredMessage | undefined {
    let samples: Int16Array;
    let rate = 8000;
    try {
      const w = readWavFile(rec.wav);
      samples = w.samples;
      rate = w.format.sampleRate;
    } catch {
      samples = new Int16Array(0);
    }
    if ((speechSamples(samples) * 1000) / rate < minSpeechMs) {
      rmSync(rec.wav, { force: true });
      rmSync(rec.json, { force: true });
      return undefined;
    }
    const meta: MessageMeta = { ...rec.meta, duration: Math.round((samples.length / rate) * 10) / 10, ended };
    writeWhole(rec.json, `${JSON.stringify(meta, null, 2)}\n`);
    return this.lock.run(() => this.file(rec.wav, rec.json, meta, 'INBOX'));
  }

  /** Move a message's two files into `folder` under its next number (the json last: its presence completes it). */
  private file(wav: string, json: string, meta: MessageMeta, folder: Folder): StoredMessage {
    const dir = this.folderDir(meta.mailbox, folder);
    mkdirSync(dir, { recursive: true });
    const index = this.listNow(meta.mailbox, folder).length;
    if (index >= MAX_MESSAGES) throw new Error(`${dir} holds ${MAX_MESSAGES} messages already`);
    const to = join(dir, name(index));
    renameSync(wav, `${to}.wav`);
    renameSync(json, `${to}.json`);
    return { folder, index, wav: `${to}.wav`, json: `${to}.json`, meta };
  }

  /** A message by its id, wherever it is now. */
  find(mailbox: string, id: string): StoredMessage | undefined {
    return this.lock.run(() => {
      for (const f of ['INBOX', 'Old'] as const) {
        const m = this.listNow(mailbox, f).find((x) => x.meta.id === id);
        if (m) return m;
      }
      return undefined;
    });
  }

  /** Delete a message: its files go, the later ones are renumbered down. */
  delete(msg: StoredMessage): void {
    this.lock.run(() => {
      rmSync(msg.wav, { force: true });
      rmSync(msg.json, { force: true });
      this.compact(msg.meta.mailbox, msg.folder);
    });
  }

  /** Save a new message to Old (it keeps its id); the INBOX is renumbered. */
  save(msg: StoredMessage): StoredMessage {
    if (msg.folder === 'Old') return msg;
    return this.lock.run(() => {
      if (!existsSync(msg.json)) writeWhole(msg.json, `${JSON.stringify(msg.meta, null, 2)}\n`);
      const moved = this.file(msg.wav, msg.json, msg.meta, 'Old');
      this.compact(msg.meta.mailbox, 'INBOX');
      return moved;
    });
  }

  /** Rename a folder's messages so their numbers run 0, 1, 2… again. */
  private compact(mailbox: string, folder: Folder): void {
    const dir = this.folderDir(mailbox, folder);
    if (!existsSync(dir)) return;
    const present = readdirSync(dir)
      .map((f) => MSG.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const [want, have] of present.entries()) {
      if (want === have) continue;
      const from = join(dir, name(have));
      const to = join(dir, name(want));
      renameSync(`${from}.wav`, `${to}.wav`);
      if (existsSync(`${from}.json`)) renameSync(`${from}.json`, `${to}.json`);
    }
  }

  /**
   * At start-up: what a killed server was recording goes to INBOX (its
   * json completed with the WAV's duration and `ended: interrupted`, or
   * made from what the WAV tells), unless it holds less than `minSpeechMs`
   * of sound; a message without json gets one; numbering is made dense.
   * Returns the messages it filed.
   */
  recover(minSpeechMs = 1000): StoredMessage[] {
    return this.lock.run(() => this.recoverNow(minSpeechMs));
  }

  private recoverNow(minSpeechMs: number): StoredMessage[] {
    if (!existsSync(this.dir)) return [];
    const filed: StoredMessage[] = [];
    for (const mailbox of readdirSync(this.dir).sort()) {
      if (!statSync(join(this.dir, mailbox)).isDirectory()) continue;
      const tmp = this.folderDir(mailbox, 'tmp');
      if (existsSync(tmp)) {
        for (const f of readdirSync(tmp).sort()) {
          if (f.endsWith('.tmp')) rmSync(join(tmp, f), { force: true });
          if (!f.endsWith('.wav')) continue;
          const wav = join(tmp, f);
          const json = wav.replace(/\.wav$/, '.json');
          repairWavHeader(wav);
          const known = this.readMeta(json, wav, mailbox);
          const meta = { ...known, ended: known.ended === 'recording' ? 'interrupted' : known.ended } as MessageMeta;
          const m = this.finish({ wav, json, meta }, meta.ended, minSpeechMs);
          if (m) filed.push(m);
        }
        for (const f of readdirSync(tmp)) if (f.endsWith('.json')) rmSync(join(tmp, f), { force: true });
      }
      for (const folder of ['INBOX', 'Old'] as const) {
        this.compact(mailbox, folder);
        for (const m of this.listNow(mailbox, folder))
          if (!existsSync(m.json)) writeWhole(m.json, `${JSON.stringify(m.meta, null, 2)}\n`);
      }
    }
    return filed;
  }

  /** The PIN the owner set from the phone, if any. */
  pin(mailbox: string): string | undefined {
    try {
      const p = readFileSync(join(this.dir, mailbox, 'pin'), 'utf8').trim();
      return p === '' ? undefined : p;
    } catch {
      return undefined;
    }
  }

  /** Keep the owner's new PIN (written whole, readable by the server's user only). */
  setPin(mailbox: string, pin: string): void {
    this.lock.run(() => {
      mkdirSync(this.boxDir(mailbox), { recursive: true });
      writeWhole(join(this.dir, mailbox, 'pin'), `${pin}\n`, 0o600);
    });
  }
}
