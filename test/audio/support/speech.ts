/**
 * A talk-off corpus: varied synthetic speech from espeak-ng and flite
 * (several voices, rates and pitches, many texts), plus the spoken samples
 * Debian packages ship. Generated once into a temporary directory and kept
 * there for the rest of the test file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../../interop/support/peers.js';
import { bufferToInt16 } from './sox.js';

const SENTENCES = [
  'Thank you for calling. Please listen carefully, as our menu options have recently changed.',
  'For sales, press one. For support, press two. To hear these options again, press the star key.',
  'Your call is important to us. Please stay on the line and the next available agent will answer.',
  'The quick brown fox jumps over the lazy dog, while five boxing wizards jump quickly.',
  'She sells sea shells by the sea shore, and the shells she sells are surely sea shells.',
  'Please enter your account number followed by the pound sign, then wait for the tone.',
  'Four hundred and seventy two, nine thousand one hundred, sixty six, eleven, eight, three.',
  'It was the best of times, it was the worst of times, it was the age of wisdom and of foolishness.',
  'Whistling tunes and humming melodies, the children sang higher and higher into the evening.',
  'Oh, hello! Yes, yes, I can hear you now. Can you hear me? Hello? Hello? Are you still there?',
  'Meet me at the station at nine fifteen; the train to Edinburgh leaves from platform eleven.',
  'Voice over IP carries speech in small packets, twenty milliseconds at a time, across the network.',
  'Ninety nine bottles, ninety eight bottles, seventy seven, sixty six, fifty five, forty four.',
  'Eeeee, ooooo, aaaaah, mmmmm, the singer warmed up her voice with long open vowels and scales.',
  'Your message has been saved. To listen to your new messages, press one. To delete it, press seven.',
  'The weather today will be mostly sunny, with a high of twenty three degrees and light winds.',
  'I am sorry, I did not understand your response. Please try again, or say operator for help.',
  'Peter Piper picked a peck of pickled peppers; where is the peck of pickled peppers he picked?',
  'One, two, three, four, five, six, seven, eight, nine, zero, star, pound, hash.',
  'When in the course of human events it becomes necessary to dissolve the political bands.',
  'Announcing the arrival of flight two hundred and twelve from Amsterdam at gate fourteen.',
  'Reeeally? No wayyy! That is amaaazing, I cannot believe it, tell me everything right now.',
  'Please hold while we transfer your call. This call may be recorded for quality purposes.',
  'A shrill whistle, a high pitched squeal and a long sustained note echoed down the hallway.',
] as const;

interface Voice {
  readonly engine: 'espeak-ng' | 'flite';
  readonly args: readonly string[];
}

const VOICES: readonly Voice[] = [
  { engine: 'espeak-ng', args: ['-v', 'en-us', '-s', '150', '-p', '50'] },
  { engine: 'espeak-ng', args: ['-v', 'en-us+f2', '-s', '170', '-p', '70'] },
  { engine: 'espeak-ng', args: ['-v', 'en-gb+m3', '-s', '130', '-p', '30'] },
  { engine: 'espeak-ng', args: ['-v', 'en-gb-scotland+f4', '-s', '160', '-p', '90'] },
  { engine: 'espeak-ng', args: ['-v', 'en-029+m1', '-s', '190', '-p', '60'] },
  { engine: 'espeak-ng', args: ['-v', 'en-gb-x-rp+f3', '-s', '120', '-p', '99'] },
  { engine: 'espeak-ng', args: ['-v', 'en-us+m7', '-s', '175', '-p', '10'] },
  { engine: 'espeak-ng', args: ['-v', 'en-us+f5', '-s', '140', '-p', '80', '-a', '180'] },
  { engine: 'flite', args: ['-voice', 'kal'] },
  { engine: 'flite', args: ['-voice', 'slt'] },
  { engine: 'flite', args: ['-voice', 'rms'] },
  { engine: 'flite', args: ['-voice', 'awb'] },
];

/** Spoken samples shipped by Debian packages already installed for the peers. */
const SHIPPED = [
  '/usr/share/sounds/linphone/hello8000.wav',
  '/usr/share/sounds/alsa/Front_Center.wav',
  '/usr/share/sounds/alsa/Front_Left.wav',
  '/usr/share/sounds/alsa/Front_Right.wav',
  '/usr/share/sounds/alsa/Rear_Center.wav',
  '/usr/share/sounds/alsa/Side_Left.wav',
];

function run(cmd: string, args: readonly string[]): Buffer {
  const r = spawnSync(requireBinary(cmd), args, { maxBuffer: 1 << 28, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString() ?? r.error}`);
  return r.stdout;
}

function to8k(file: string): Int16Array {
  const raw = run('sox', [
    '-D',
    file,
    '-t',
    'raw',
    '-r',
    '8000',
    '-c',
    '1',
    '-b',
    '16',
    '-e',
    'signed-integer',
    '-L',
    '-',
    'remix',
    '-',
  ]);
  return bufferToInt16(raw);
}

export interface SpeechClip {
  readonly name: string;
  readonly samples: Int16Array;
}

export interface SpeechCorpus {
  readonly clips: readonly SpeechClip[];
  readonly seconds: number;
  readonly dispose: () => void;
}

/**
 * At least `minSeconds` of speech at 8 kHz, each voice reading a different
 * rotation of the texts until the total is reached.
 */
export function makeSpeechCorpus(minSeconds: number): SpeechCorpus {
  const dir = mkdtempSync(join(tmpdir(), 'shtoom-speech-'));
  const clips: SpeechClip[] = [];
  let samples = 0;
  for (const f of SHIPPED) {
    if (!existsSync(f)) continue;
    const x = to8k(f);
    clips.push({ name: f.split('/').pop()!, samples: x });
    samples += x.length;
  }
  const perVoice = Math.ceil((minSeconds * 8000 - samples) / VOICES.length);
  VOICES.forEach((v, i) => {
    let got = 0;
    for (let round = 0; got < perVoice && round < 20; round++) {
      const text = Array.from({ length: 6 }, (_, k) => SENTENCES[(i * 5 + round * 6 + k) % SENTENCES.length]).join(' ');
      const txt = join(dir, `v${i}-${round}.txt`);
      const wav = join(dir, `v${i}-${round}.wav`);
      writeFileSync(txt, text);
      if (v.engine === 'espeak-ng') run('espeak-ng', [...v.args, '-f', txt, '-w', wav]);
      else run('flite', [...v.args, '-f', txt, '-o', wav]);
      const x = to8k(wav);
      clips.push({ name: `${v.engine} ${v.args.join(' ')} #${round}`, samples: x });
      got += x.length;
    }
    samples += got;
  });
  return { clips, seconds: samples / 8000, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
