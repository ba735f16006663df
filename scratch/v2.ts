import { join } from 'node:path';
import { PocketsphinxRecogniser } from '../src/asr/pocketsphinx.js';
import { readAudioFile } from '../src/harness/audio-file.js';
import { throughCodec } from '../test/harness/support/codec.js';
const D = '/usr/share/asterisk/sounds/en_US_f_Allison';
const cases = [['vm-msgsaved', 'Your message has been deleted.'], ['vm-msgsaved', 'Your message has been forwarded.'], ['vm-msgsaved', 'Your password has been saved.'], ['conf-hasjoin', 'has left the conference.'], ['conf-hasjoin', 'is not in the conference.'], ['vm-msgsaved', 'Your message has been saved.']];
const asr = new PocketsphinxRecogniser();
for (const codec of ['pcmu', 'gsm'] as const) {
  const r = await asr.scoreAll(cases.map(([f]) => throughCodec(codec, readAudioFile(join(D, `${f}.wav`)))), [cases.map((c) => c[1]!)]);
  for (const [i, v] of r.verdicts[0]!.entries()) console.log(codec, cases[i], v.accepted, v.score.toFixed(1), v.worstWindow.toFixed(1), v.worstWords);
}
