/**
 * Whole scenarios against the IVR simulator in virtual time: every step kind,
 * failures that name the step, what was expected and what was found, and
 * the timeouts. Prompts are a speech stand-in and `heard` uses a scripted
 * recogniser here; the real recogniser runs in the examples test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav } from '../../../src/audio/formats/wav.js';
import { scenario } from '../../../src/harness/scenario/builder.js';
import { Random } from '../../../src/sim/random.js';
import type { IvrFarEnd } from '../../../src/harness/sim/far-end.js';
import { ScriptedRecogniser, runSim, speechLike } from '../support/sim.js';

const URI = 'sip:ivr@127.0.0.1';
const tmp = mkdtempSync(join(tmpdir(), 'shtoom-engine-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Answer after ringing, play two prompts, wait for one digit, answer it with a third prompt, hang up. */
async function menu(call: IvrFarEnd): Promise<void> {
  call.ring();
  await call.wait(400);
  call.answer();
  await call.wait(200);
  await call.play(speechLike(1500, 1));
  await call.wait(900);
  await call.play(speechLike(2500, 2));
  const d = await call.collectDtmf({ max: 1, timeoutMs: 4000 });
  await call.wait(500);
  await call.play(speechLike(d === '1' ? 1200 : 3000, 3));
  await call.wait(300);
  call.hangup();
}

describe('scenario engine against the simulator', () => {
  it('runs a menu call end to end and records steps, timeline, clips and media', async () => {
    const asr = new ScriptedRecogniser(['welcome', 'for sales press one'], ['well come', 'for sale that one']);
    const s = scenario('menu', { prompts: ['you have reached sales'], settings: { decoys: true } })
      .call(URI, { codec: 'gsm' })
      .expect('ringing')
      .expect('answered')
      .listen()
      .heard('welcome')
      .duration({ min_ms: 1300, max_ms: 1700 })
      .listen()
      .heard('for sales press one')
      .press('1')
      .listen()
      .duration({ max_ms: 1500 })
      .expect('hangup')
      .build();
    const { result, vt } = await runSim(s, menu, { env: { recogniser: asr } });
    expect(result.failure).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(result.steps.every((x) => x.status === 'passed')).toBe(true);
    // What the report shows as heard is the free transcription, not the chosen phrase.
    expect(result.steps[7]).toMatchObject({
      actual: '"for sale that one" (chose the expected phrase over 13 others)',
      details: { transcript: 'for sale that one', chosen: 'for sales press one', similarity: 0.5 },
    });
    expect(asr.frees).toBe(2);
    expect(result.clips.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
    expect(result.clips[0]!.samples.length / 8).toBeGreaterThan(1500);
    expect(result.media).toMatchObject({ codec: 'gsm', packetsLost: 0 });
    expect(result.timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['dial', 'progress', 'answered', 'prompt', 'dtmf-sent', 'ended']),
    );
    // The heard step chose among the expected phrase, the other heard phrase, the declared prompts and digit decoys.
    expect(asr.requests[1]!.phrases).toEqual(
      expect.arrayContaining(['for sales press one', 'welcome', 'you have reached sales', 'for sales press two']),
    );
    expect(result.durationMs).toBeGreaterThan(7000);
    expect(vt.scheduler.pending).toBe(0);
  });

  it('a passing heard does not wait for its free transcript; its progress line and the result do', async () => {
    const asr = new ScriptedRecogniser(['welcome', 'for sales press one'], ['well come', 'for sale that one']);
    asr.transcriptionMs = 300; // real time, while the call runs on in virtual time
    const lines: string[] = [];
    const s = scenario('slow transcripts', { prompts: ['you have reached sales'] })
      .call(URI)
      .expect('answered')
      .listen()
      .heard('welcome')
      .listen()
      .heard('for sales press one')
      .build();
    const { result } = await runSim(s, menu, {
      env: { recogniser: asr, onStep: (_, st) => lines.push(`${st.path} ${st.actual ?? ''}`) },
    });
    expect(result.status).toBe('passed');
    // The second prompt was listened to and chosen before the first transcript came.
    expect(asr.log.indexOf('choose 2')).toBeLessThan(asr.log.indexOf('heard 1'));
    // Progress in step order, each heard line with its transcript.
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(lines[3]).toBe('4 "well come" (chose the expected phrase over 2 others)');
    expect(lines[5]).toBe('6 "for sale that one" (chose the expected phrase over 2 others)');
    expect(result.steps[5]!.details).toMatchObject({ transcript: 'for sale that one', chosen: 'for sales press one' });
  });

  it(
    'a failing heard does not wait for its transcript either (a retry goes on); its message gets it ' + 'later',
    async () => {
      const asr = new ScriptedRecogniser(['for support press two', 'welcome'], ['well come one', 'well come two']);
      asr.transcriptionMs = 300;
      const s = scenario('retried', { prompts: ['for support press two'] })
        .call(URI)
        .expect('answered')
        .listen()
        .retry(2, (b) => b.heard('welcome'))
        .build();
      const { result } = await runSim(s, menu, { env: { recogniser: asr } });
      expect(result.status).toBe('passed');
      // The second attempt was decided before the first attempt's transcript came.
      expect(asr.log.indexOf('choose 2')).toBeLessThan(asr.log.indexOf('heard 1'));
      const [first, second] = result.steps[3]!.children!;
      expect(first).toMatchObject({
        status: 'failed',
        message: 'heard a different prompt: "for support press two" (similarity 0.00); heard freely "well come one"',
        actual: '"well come one" (chose "for support press two")',
      });
      expect(second).toMatchObject({
        status: 'passed',
        actual: '"well come two" (chose the expected phrase over 1 other)',
      });
    },
  );

  it(
    'names the step, the expectation and the transcript when a prompt is wrong, ' + 'keeps the clip and skips the rest',
    async () => {
      const asr = new ScriptedRecogniser(['welcome', 'for support press two'], ['welcome', 'for support press two']);
      const s = scenario('wrong prompt')
        .call(URI)
        .expect('answered')
        .listen()
        .heard('welcome')
        .listen()
        .heard('for sales press one')
        .press('1')
        .build();
      const { result } = await runSim(s, menu, { env: { recogniser: asr } });
      expect(result.status).toBe('failed');
      const failed = result.steps.find((x) => x.status === 'failed')!;
      expect(failed.path).toBe('6');
      expect(failed.expected).toBe('"for sales press one"');
      expect(failed.details).toMatchObject({ transcript: 'for support press two', threshold: 0.8, clipId: 'c2' });
      expect(failed.details!.similarity).toBe(0.5);
      expect(result.failure).toBe(
        'step 6 heard "for sales press one": no listed prompt fits: chose "for support press two", ' +
          'similarity 0.50 < 0.8; ' +
          'heard freely "for support press two" (expected "for sales press one", got "for support press two" ' +
          '(chose "for support press two"))',
      );
      expect(result.steps.at(-1)).toMatchObject({ path: '7', status: 'skipped' });
      expect(result.clips.find((c) => c.id === 'c2')!.samples.length).toBeGreaterThan(8 * 2400);
      // The engine hung up the call it left behind.
      expect(result.timeline.at(-1)).toMatchObject({ kind: 'ended' });
    },
  );

  it('fails heard when the recogniser picks another listed prompt or a near-miss, however similar', async () => {
    const asr = new ScriptedRecogniser(['for sales press two'], ['for sales press to']);
    const s = scenario('near miss', { settings: { decoys: true } })
      .call(URI)
      .expect('answered')
      .listen()
      .heard('for sales press one', { threshold: 0.5 })
      .build();
    const { result } = await runSim(s, menu, { env: { recogniser: asr } });
    expect(result.steps[3]).toMatchObject({
      status: 'failed',
      message: 'heard a different prompt: "for sales press two" (similarity 0.75); heard freely "for sales press to"',
      actual: '"for sales press to" (chose "for sales press two")',
    });
  });

  it('expects busy and rejected with their status, and fails on the wrong one', async () => {
    const busy = async (call: IvrFarEnd) => {
      call.ring();
      await call.wait(300);
      call.reject(call.target.includes('busy') ? 486 : 403, call.target.includes('busy') ? 'Busy Here' : 'Forbidden');
    };
    const ok = await runSim(scenario('b').call('sip:busy@x').expect('ringing').expect('busy').build(), busy);
    expect(ok.result.status).toBe('passed');
    const rej = await runSim(scenario('r').call('sip:who@x').expect('rejected 403').build(), busy);
    expect(rej.result.status).toBe('passed');
    const wrong = await runSim(scenario('w').call('sip:busy@x').expect('answered').build(), busy);
    expect(wrong.result.status).toBe('failed');
    expect(wrong.result.steps[1]).toMatchObject({ expected: 'answered', actual: '486 Busy Here' });
    const codec = await runSim(scenario('c').call('sip:who@x', { codec: 'gsm' }).expect('rejected 488').build(), busy, {
      codecs: ['pcmu'],
    });
    expect(codec.result.status).toBe('passed');
  });

  it('times out a step and the whole scenario with a clear message', async () => {
    const never = async (call: IvrFarEnd) => {
      call.ring();
      await call.wait(60_000);
    };
    const step = await runSim(scenario('t').call(URI).expect('answered', { timeout: '3s' }).build(), never);
    expect(step.result.steps[1]).toMatchObject({
      status: 'failed',
      message: 'no answered within 3000 ms',
      actual: '180 Ringing',
    });
    const whole = await runSim(
      scenario('t', { timeout: '2s' }).call(URI).expect('answered', { timeout: '30s' }).build(),
      never,
    );
    expect(whole.result.steps[1]!.message).toBe('the scenario timed out after 2000 ms');
    expect(whole.result.durationMs).toBeLessThan(2100);
  });

  it('hears digits the far end sends by RFC 4733, SIP INFO and in-band, and tells them apart', async () => {
    const sender = async (call: IvrFarEnd) => {
      call.answer();
      await call.wait(300);
      await call.sendDtmf('12', 'rfc4733');
      await call.sendDtmf('3', 'info');
      await call.sendDtmf('45#', 'inband');
      await call.wait(1000);
      call.hangup();
    };
    for (const codec of ['pcmu', 'gsm'] as const) {
      const s = scenario('digits')
        .call(URI, { codec })
        .expect('answered')
        .dtmf('12', { method: 'rfc4733' })
        .dtmf('3', { method: 'info' })
        .dtmf('45#', { method: 'inband' })
        .build();
      const { result } = await runSim(s, sender);
      expect(result.failure, codec).toBeUndefined();
      expect(result.steps[4]!.details).toMatchObject({ digits: '45#', digitMethods: ['inband', 'inband', 'inband'] });
    }
    const missing = await runSim(
      scenario('digits').call(URI).expect('answered').dtmf('9', { timeout: '2s' }).build(),
      sender,
    );
    expect(missing.result.steps[2]).toMatchObject({ status: 'failed', expected: 'digits 9' });
    expect(missing.result.steps[2]!.actual).toContain('1 (rfc4733)');
  });

  it('finds in-band digits made by sox after a spoken prompt, and no digit in the speech itself', async () => {
    const { soxTones } = await import('../../audio/support/sox.js');
    const { speak } = await import('../../../src/tts/speak.js');
    const key = (lo: number, hi: number) =>
      soxTones({
        tones: [
          { freq: lo, amplitude: 0.2 },
          { freq: hi, amplitude: 0.25 },
        ],
        seconds: 0.08,
        padAfter: 0.08,
      });
    const digits = [key(697, 1209), key(941, 1477), key(852, 1336)]; // 1 # 8
    const prompt = await speak('Your call is important to us. Please press one, then pound, then eight.', {
      engine: 'espeak-ng',
    });
    const far = async (call: IvrFarEnd) => {
      call.answer();
      await call.play(prompt);
      for (const d of digits) await call.play(d);
      await call.wait(1000);
      call.hangup();
    };
    const s = scenario('sox digits')
      .call(URI, { codec: 'gsm' })
      .expect('answered')
      .dtmf('1#8', { method: 'inband' })
      .expect('hangup')
      .build();
    const { result } = await runSim(s, far);
    expect(result.failure).toBeUndefined();
    expect(result.steps[2]!.details!.digits).toBe('1#8');
  });

  it('sends digits each way so the far end gets them (RFC 4733, INFO, in-band through the codec)', async () => {
    const got: string[] = [];
    const pin = async (call: IvrFarEnd) => {
      call.answer();
      for (let i = 0; i < 3; i++) got.push(await call.collectDtmf({ terminator: '#', timeoutMs: 5000 }));
      call.hangup();
    };
    const s = scenario('pin')
      .call(URI, { codec: 'gsm' })
      .expect('answered')
      .press('12#')
      .sendDtmf('34#', { mode: 'info', duration_ms: 60, gap_ms: 60 })
      .sendDtmf('5678#', { mode: 'inband' })
      .expect('hangup')
      .build();
    const { result } = await runSim(s, pin);
    expect(result.failure).toBeUndefined();
    expect(got).toEqual(['12', '34', '5678']);
  });

  it('finds a plain tone and call-progress cadences, and reports the tones it did find', async () => {
    const tones = async (call: IvrFarEnd) => {
      call.progress();
      await call.playTone([440, 480], { onMs: 2000, offMs: 4000, totalMs: 2200 });
      call.answer();
      await call.playTone([1000], { totalMs: 800 });
      await call.playTone([480, 620], { onMs: 500, offMs: 500, totalMs: 3000 });
      await call.wait(2000);
    };
    const s = scenario('tones')
      .call(URI)
      .tone('ringback')
      .expect('answered')
      .tone({ freq: 1000, min_ms: 600 })
      .tone('busy')
      .build();
    const { result } = await runSim(s, tones);
    expect(result.failure).toBeUndefined();
    const wrong = await runSim(
      scenario('tones').call(URI).expect('answered').tone({ freq: 1000, min_ms: 1500 }, { timeout: '3s' }).build(),
      tones,
    );
    expect(wrong.result.status).toBe('failed');
    expect(wrong.result.steps[2]!.details!.tones!.join(' ')).toMatch(/1000Hz \d+\.\d+-\d+\.\d+ s/);
  });

  it('holds a tone across a dropout of a few packets, not across a pause', async () => {
    const broken = (gapMs: number) => async (call: IvrFarEnd) => {
      call.answer();
      await call.playTone([700], { totalMs: 400 });
      await call.wait(gapMs);
      await call.playTone([700], { totalMs: 400 });
      await call.wait(1000);
    };
    const s = scenario('dropout')
      .call(URI)
      .expect('answered')
      .tone({ freq: 700, min_ms: 700 }, { timeout: '3s' })
      .build();
    const ok = await runSim(s, broken(60));
    expect(ok.result.failure).toBeUndefined();
    expect(ok.result.steps[2]!.actual).toBe('700Hz for ≥ 700 ms');
    const paused = await runSim(s, broken(300));
    expect(paused.result.status).toBe('failed');
    expect(paused.result.steps[2]!.details!.tones).toHaveLength(2);
  });

  it('asserts silence and fails it when the line speaks', async () => {
    const talk = async (call: IvrFarEnd) => {
      call.answer();
      await call.wait(3000);
      await call.play(speechLike(1000));
      await call.wait(5000);
    };
    const quiet = await runSim(scenario('q').call(URI).expect('answered').silence(2000).build(), talk);
    expect(quiet.result.status).toBe('passed');
    const loud = await runSim(scenario('q').call(URI).expect('answered').silence(5000).build(), talk);
    expect(loud.result.steps[2]).toMatchObject({ status: 'failed' });
    expect(loud.result.steps[2]!.message).toMatch(/^sound after 30\d\d ms of the 5000 ms that should be silent$/);
  });

  it('says text and plays a file into the call; the far end hears it', async () => {
    let heard = '';
    const echo = async (call: IvrFarEnd) => {
      call.answer();
      heard = await call.collectDtmf({ max: 2, timeoutMs: 20_000 });
      call.hangup();
    };
    const wav = join(tmp, 'digits.wav');
    // A WAV of two in-band digits, made with the far end's own generator through a file.
    const { DtmfGenerator } = await import('../../../src/audio/dsp/dtmf-generator.js');
    const { encodeWav } = await import('../../../src/audio/formats/wav-format.js');
    const { writeFileSync } = await import('node:fs');
    const gen = new DtmfGenerator();
    gen.send('42');
    const pcm = new Int16Array(160 * 25);
    for (let i = 0; i < 25; i++) gen.fill(pcm.subarray(i * 160, (i + 1) * 160));
    writeFileSync(wav, encodeWav(pcm, { sampleRate: 8000, channels: 1, encoding: 'pcm16' }));
    const s = scenario('talk')
      .call(URI)
      .expect('answered')
      .say('hello there', { engine: 'flite' })
      .play(wav)
      .expect('hangup')
      .build();
    const { result } = await runSim(s, echo);
    expect(result.failure).toBeUndefined();
    expect(heard).toBe('42');
    expect(result.timeline.filter((e) => e.kind === 'say' || e.kind === 'play').map((e) => e.kind)).toEqual([
      'say',
      'play',
    ]);
    const missing = await runSim(scenario('talk').call(URI).expect('answered').play('no-such.wav').build(), echo, {
      env: { baseDir: tmp },
    });
    expect(missing.result.steps[2]!.message).toMatch(/^cannot play .*no-such\.wav/);
  });

  it('keeps 150 ms before the detected onset (a soft start too), never the prompt before', async () => {
    // A prompt that starts softly (140 ms at about −52 dBFS, under the voice
    // activity threshold) before its voiced part; then, 230 ms after it, another.
    const rnd = new Random(5);
    const soft = Int16Array.from({ length: 1120 }, () => rnd.int(277) - 138);
    const two = async (call: IvrFarEnd) => {
      call.answer();
      await call.wait(800);
      await call.play(Int16Array.from([...soft, ...speechLike(1500, 1)]));
      await call.wait(230);
      await call.play(speechLike(1200, 2));
      await call.wait(1200);
      call.hangup();
    };
    const listen = { silence: '200ms' };
    const s = scenario('onset').call(URI).expect('answered').listen(listen).listen(listen).build();
    const { result } = await runSim(s, two);
    expect(result.status).toBe('passed');
    const rms = (a: Int16Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    const blocks = (a: Int16Array) =>
      Array.from({ length: Math.floor(a.length / 80) }, (_, i) => rms(a.subarray(i * 80, i * 80 + 80)));
    const first = blocks(result.clips[0]!.samples);
    const loud = first.findIndex((r) => r > 184); // −45 dBFS: where the detector starts the segment
    expect(loud).toBeGreaterThanOrEqual(14); // 150 ms of 10 ms blocks before it (less one for the ramp)
    // the soft start is in the clip, all of it (but for one block at the edge)
    expect(first.slice(0, loud).filter((r) => r > 40 && r < 150).length).toBeGreaterThanOrEqual(13);
    const prompts = result.timeline.filter((e) => e.kind === 'prompt');
    expect(prompts).toHaveLength(2);
    expect(result.clips[1]!.startMs).toBeGreaterThanOrEqual(prompts[0]!.endMs! + 100 - 0.01);
    expect(result.clips[1]!.startMs).toBeLessThan(prompts[1]!.startMs - 100);
  });

  it('records what was heard to a WAV file', async () => {
    const file = join(tmp, 'rec', 'call.wav');
    const { result } = await runSim(
      scenario('rec').call(URI).expect('answered').record(file).listen().listen().build(),
      menu,
    );
    expect(result.recordings).toEqual([file]);
    expect(existsSync(file)).toBe(true);
    const w = readWav(readFileSync(file));
    expect(w.format.sampleRate).toBe(8000);
    expect(w.frames / 8000).toBeGreaterThan(4);
  });

  it('repeats with a round variable, retries until a block passes, and fills variables', async () => {
    const got: string[] = [];
    const collector = async (call: IvrFarEnd) => {
      call.answer();
      for (;;) got.push(await call.collectDtmf({ max: 1, timeoutMs: 3000 }));
    };
    let attempts = 0;
    const s = scenario('loops', { vars: { first: '7' } })
      .call(URI)
      .expect('answered')
      .press('${first}')
      .repeat(3, (b) => b.press('${round}').wait(200))
      .set({ last: '${first}9' })
      .press('${last}')
      .retry(3, (b) =>
        b.step('flaky', async (api) => {
          attempts++;
          if (attempts < 3) api.fail('not yet', 'third time', `attempt ${attempts}`);
        }),
      )
      .wait(500)
      .build();
    const { result } = await runSim(s, collector);
    expect(result.failure).toBeUndefined();
    expect(got.filter(Boolean).join('')).toBe('712379');
    const retry = result.steps[6]!;
    expect(retry.actual).toBe('passed on attempt 3');
    expect(retry.children!.map((c) => `${c.path}:${c.status}`)).toEqual([
      '7#1.1:failed',
      '7#2.1:failed',
      '7#3.1:passed',
    ]);
    expect(result.steps[3]!.children!.map((c) => c.path)).toEqual([
      '4[1].1',
      '4[1].2',
      '4[2].1',
      '4[2].2',
      '4[3].1',
      '4[3].2',
    ]);
    const unknown = await runSim(scenario('v').call('sip:${who}@x').build(), collector);
    expect(unknown.result.failure).toMatch(/unknown variable \$\{who\}/);
  });

  it('turns an exception in a custom step into a failed step, never a crash', async () => {
    const s = scenario('boom')
      .call(URI)
      .expect('answered')
      .step('explodes', async () => {
        throw new TypeError('kaput');
      })
      .build();
    const { result } = await runSim(s, menu);
    expect(result.steps[2]).toMatchObject({ status: 'failed', message: 'TypeError: kaput' });
  });

  it('fails listen when no prompt comes, and heard with one line when the recogniser is missing', async () => {
    const mute = async (call: IvrFarEnd) => {
      call.answer();
      await call.wait(30_000);
    };
    const none = await runSim(scenario('m').call(URI).expect('answered').listen({ start: '3s' }).build(), mute);
    expect(none.result.steps[2]).toMatchObject({ status: 'failed', message: 'no speech within 3000 ms' });
    const { PocketsphinxRecogniser } = await import('../../../src/asr/pocketsphinx.js');
    const missing = await runSim(scenario('m').call(URI).expect('answered').listen().heard('welcome').build(), menu, {
      env: { recogniser: new PocketsphinxRecogniser({ binary: 'no-such-pocketsphinx' }) },
    });
    expect(missing.result.steps[3]).toMatchObject({
      status: 'failed',
      message: 'speech recognition needs the no-such-pocketsphinx program: apt-get install pocketsphinx',
    });
  });

  it('counts lost frames and still finds the prompts', async () => {
    const { result } = await runSim(scenario('lossy').call(URI).expect('answered').listen().listen().build(), menu, {
      lossRate: 0.05,
    });
    expect(result.status).toBe('passed');
    expect(result.media!.packetsLost).toBeGreaterThan(0);
    expect(result.audio!.samples.length).toBeGreaterThan(8000 * 4);
  });
});
