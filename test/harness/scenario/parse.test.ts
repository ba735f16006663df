import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { ScenarioError, ScenarioFileError } from '../../../src/harness/errors.js';
import { scenario } from '../../../src/harness/scenario/builder.js';
import { parseScenario } from '../../../src/harness/scenario/parse.js';
import type { Step } from '../../../src/harness/scenario/types.js';
import { parseScenarioYaml } from '../../../src/harness/scenario/yaml.js';

const YAML = `
name: menu
timeout: 90s
vars:
  ivr: sip:ivr@127.0.0.1:5080
prompts: [goodbye]
settings:
  heard_threshold: 0.7
  listen: {silence: 500ms}
steps:
  - call: \${ivr}
    codec: pcmu,gsm
    transport: tcp
    account: {aor: sip:alice@example.com, password: secret}
  - expect: ringing
    timeout: 5s
  - expect: rejected 403
  - listen
  - listen: {silence: 1s, max: 20s}
  - heard: "press one for sales"
  - heard: {text: goodbye, threshold: 0.9}
  - matches: prompts/welcome.wav
  - tone: busy
  - tone: {freq: [480, 620], min_ms: 400}
  - dtmf: "12#"
  - silence: {min_ms: 2000}
  - duration: {min_ms: 1000, max_ms: 5s}
  - press: "1"
  - send_dtmf: {digits: "1234#", mode: inband, duration_ms: 80, gap_ms: 60}
  - say: {text: hello, engine: espeak-ng, wpm: 150}
  - play: prompts/x.wav
  - wait: 500
  - record: out.wav
  - set: {pin: "1234"}
  - repeat: 3
    steps: [listen, {press: "9"}]
  - retry: {times: 2, delay: 1s, steps: [listen]}
  - hangup
`;

describe('YAML scenarios', () => {
  it('read every step form into one model', () => {
    const [s] = parseScenarioYaml(YAML, 'menu.yaml');
    expect(s!.name).toBe('menu');
    expect(s!.timeoutMs).toBe(90_000);
    expect(s!.settings.heardThreshold).toBe(0.7);
    expect(s!.settings.listen.silenceMs).toBe(500);
    const kinds = s!.steps.map((x) => x.kind);
    expect(kinds).toEqual([
      'call',
      'expect',
      'expect',
      'listen',
      'listen',
      'heard',
      'heard',
      'matches',
      'tone',
      'tone',
      'dtmf',
      'silence',
      'duration',
      'send_dtmf',
      'send_dtmf',
      'say',
      'play',
      'wait',
      'record',
      'set',
      'repeat',
      'retry',
      'hangup',
    ]);
    const get = <K extends Step['kind']>(i: number) => s!.steps[i] as Extract<Step, { kind: K }>;
    expect(get<'call'>(0)).toMatchObject({
      uri: '${ivr}',
      codecs: ['pcmu', 'gsm'],
      transport: 'tcp',
      account: { aor: 'sip:alice@example.com', password: 'secret' },
    });
    expect(get<'expect'>(1)).toMatchObject({ what: 'ringing', timeoutMs: 5000 });
    expect(get<'expect'>(2)).toMatchObject({ what: 'rejected', status: 403 });
    expect(get<'listen'>(3)).toMatchObject({ silenceMs: 500, maxMs: 30_000 });
    expect(get<'listen'>(4)).toMatchObject({ silenceMs: 1000, maxMs: 20_000 });
    expect(get<'heard'>(6)).toMatchObject({ text: 'goodbye', threshold: 0.9 });
    expect(get<'tone'>(8)).toMatchObject({ progress: 'busy' });
    expect(get<'tone'>(9)).toMatchObject({ freqs: [480, 620], minMs: 400 });
    expect(get<'duration'>(12)).toMatchObject({ minMs: 1000, maxMs: 5000 });
    expect(get<'send_dtmf'>(13)).toMatchObject({ digits: '1', mode: 'rfc4733', durationMs: 100, gapMs: 100 });
    expect(get<'send_dtmf'>(14)).toMatchObject({ digits: '1234#', mode: 'inband', durationMs: 80, gapMs: 60 });
    expect(get<'say'>(15)).toMatchObject({ text: 'hello', engine: 'espeak-ng', wordsPerMinute: 150 });
    expect(get<'repeat'>(20)).toMatchObject({ times: 3, var: 'round' });
    expect(get<'repeat'>(20).steps.map((x) => x.kind)).toEqual(['listen', 'send_dtmf']);
    expect(get<'retry'>(21)).toMatchObject({ times: 2, delayMs: 1000 });
    expect(get<'heard'>(5).at).toEqual({ file: 'menu.yaml', line: 20 });
    expect(get<'heard'>(5).label).toBe('heard "press one for sales"');
  });

  it('reads several scenarios from one file', () => {
    const two = parseScenarioYaml('name: a\nsteps: [hangup]\n---\nname: b\nsteps: [hangup]\n', 'two.yaml');
    expect(two.map((s) => s.name)).toEqual(['a', 'b']);
  });

  const bad: [string, RegExp][] = [
    ['name: x\nsteps:\n  - call: sip:a@b\n  - presss: "1"\n', /^bad\.yaml:4: a step needs one of: call, /],
    [
      'name: x\nsteps:\n  - call: sip:a@b\n    codec: g729\n',
      /^bad\.yaml:4: codec: unknown codec "g729"; known: g722, opus, pcmu, pcma, gsm$/,
    ],
    ['name: x\nsteps:\n  - wait: soon\n', /^bad\.yaml:3: wait: expected a duration/],
    ['name: x\nsteps:\n  - press: "1x"\n', /^bad\.yaml:3: press: "1x" is not a string of DTMF keys/],
    ['name: x\nsteps:\n  - expect: answerd\n', /^bad\.yaml:3: expect: "answerd" is not one of/],
    ['name: x\nsteps:\n  - heard: {text: hi, treshold: 0.5}\n', /^bad\.yaml:3: heard: unknown option "treshold"/],
    ['name: x\nsteps:\n  - call: bob\n', /^bad\.yaml:3: call: "bob" is not a SIP URI/],
    ['name: x\nsteps:\n  - hangup\n  - dance\n', /^bad\.yaml:4: "dance" is not a step/],
    [
      'name: x\nsteps:\n  - call: sip:a@b\n    hangup: true\n',
      /^bad\.yaml:4: one step per list item: found call and hangup$/,
    ],
    ['steps: [hangup]\n', /^bad\.yaml:1: scenario: missing "name"$/],
    ['name: x\n', /^bad\.yaml:1: scenario "x": "steps" must be a list of steps$/],
    ['name: x\nsteps: [\n', /^bad\.yaml:\d+: YAML: /],
    ['name: x\nname: y\nsteps: [hangup]\n', /^bad\.yaml:2: YAML: /],
    ['', /^bad\.yaml: no scenario in the file$/],
    ['name: x\nsteps:\n  - tone: dialing\n', /^bad\.yaml:3: tone: "dialing" is not a call-progress tone/],
    ['name: x\nsteps:\n  - repeat: 2\n', /^bad\.yaml:3: repeat: needs "steps"/],
    ['name: x\nsteps:\n  - heard: "..."\n', /^bad\.yaml:3: heard: the expected phrase has no words$/],
  ];
  it.each(bad)('report a bad file with its line: %j', (text, message) => {
    let err: unknown;
    try {
      parseScenarioYaml(text, 'bad.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioFileError);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a step option that is a mapping without a prototype gives a usage error, not a TypeError', () => {
    const raw = { name: false, steps: [{ call: { text: Object.create(null) as object } }] };
    expect(() => parseScenario(raw)).toThrow(ScenarioError);
  });

  it('never crash on arbitrary data: a valid scenario or a usage error (property)', () => {
    const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean());
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(
          fc.constantFrom('call', 'heard', 'press', 'timeout', 'steps', 'repeat', 'x', 'listen', 'text'),
          tie('v'),
          { maxKeys: 3 },
        ),
      ),
    })).v;
    fc.assert(
      fc.property(fc.record({ name: leaf, steps: fc.array(value, { maxLength: 4 }) }), (raw) => {
        try {
          parseScenario(raw);
        } catch (e) {
          expect(e).toBeInstanceOf(ScenarioError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('TypeScript scenarios', () => {
  it('build the same model as the YAML form', () => {
    const ts = scenario('menu', { vars: { ivr: 'sip:ivr@127.0.0.1' } })
      .call('${ivr}', { codec: 'pcmu' })
      .expect('answered', { timeout: '5s' })
      .listen()
      .heard('press one for sales', { threshold: 0.9 })
      .press('1', { mode: 'info' })
      .repeat(2, (b) => b.listen().press('${round}'))
      .hangup()
      .build();
    const [yaml] = parseScenarioYaml(
      'name: menu\nvars: {ivr: "sip:ivr@127.0.0.1"}\nsteps:\n  - call: ${ivr}\n    codec: pcmu\n  - expect: ' +
        'answered\n    timeout: 5s\n  - listen\n  - heard: press one for sales\n    threshold: 0.9\n  - press: ' +
        '"1"\n    mode: info\n  - repeat: 2\n    steps: [listen, {press: "${round}"}]\n  - hangup\n',
      'menu.yaml',
    );
    const strip = (x: unknown): unknown =>
      JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'at' ? undefined : v)));
    expect(strip(ts)).toEqual(strip(yaml));
  });

  it('listen with its own options (silence is also a verb) builds as the YAML mapping does', () => {
    const ts = scenario('l').call('sip:a@b').listen({ silence: '400ms', max: '20s', timeout: '30s' }).build();
    const [yaml] = parseScenarioYaml(
      'name: l\nsteps:\n  - call: sip:a@b\n  - listen: {silence: 400ms, max: 20s}\n    timeout: 30s\n',
      'l.yaml',
    );
    const strip = (x: unknown): unknown =>
      JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'at' ? undefined : v)));
    expect(strip(ts)).toEqual(strip(yaml));
    expect(ts.steps[1]).toMatchObject({ kind: 'listen', silenceMs: 400, maxMs: 20_000 });
  });

  it('reject a bad step with a usage error', () => {
    expect(() => scenario('x').call('bob').build()).toThrow(ScenarioError);
    expect(() => scenario('x').press('Z').build()).toThrow(/not a string of DTMF keys/);
    expect(() => scenario('x').build()).toThrow(/no steps/);
  });
});

describe('each verb’s keys, from its one spec', () => {
  it('options go beside the verb or inside its mapping, never both; an unknown one is named', () => {
    const ok = parseScenario({
      name: 'x',
      steps: [{ call: { uri: 'sip:a@b', codec: 'pcmu' } }, { call: 'sip:a@b', codec: 'gsm' }],
    });
    expect(ok.steps.map((s) => (s.kind === 'call' ? s.codecs : undefined))).toEqual([['pcmu'], ['gsm']]);
    // An option beside a verb that holds its mapping was silently ignored before: now it is named.
    expect(() => parseScenario({ name: 'x', steps: [{ call: { uri: 'sip:a@b' }, codec: 'pcmu' }] })).toThrow(
      /call: unknown option "codec"; allowed: call, timeout, label/,
    );
    expect(() => parseScenario({ name: 'x', steps: [{ heard: { text: 'hi', nope: 1 } }] })).toThrow(
      /heard: unknown option "nope"; allowed: text, threshold, competitors/,
    );
    expect(() => parseScenario({ name: 'x', steps: [{ press: '1', colour: 'red' }] })).toThrow(
      /press: unknown option "colour"; allowed: press, timeout, label, mode, duration_ms, gap_ms, duration, gap/,
    );
  });
});
