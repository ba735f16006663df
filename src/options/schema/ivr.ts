/** Options of the IVR harness: `shtoom ivr` (`[ivr]`) and the demo IVR of `shtoom serve ivr-demo` (`[ivr-demo]`). */
import { opt } from '../define.js';

function positiveNumber(v: string): string | undefined {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n > 0 ? undefined : 'must be a number above 0';
}

export const ivrOptions = [
  opt.int('ivr.concurrency', {
    help: 'scenarios running at once (load mode beyond 1)',
    default: 1,
    min: 1,
    max: 10_000,
    flag: 'concurrency',
    argName: 'n',
    commands: ['ivr'],
  }),
  opt.int('ivr.workers', {
    help:
      'worker threads the scenario runs are spread over (each its own SIP port and media clock; --concurrency and ' +
      '--rate shared among them, the results merged as one thread reports them); 0: one per core',
    default: 1,
    min: 0,
    max: 256,
    flag: 'workers',
    argName: 'n',
    commands: ['ivr'],
  }),
  opt.int('ivr.repeat', {
    help: 'runs of each scenario (load mode beyond 1)',
    default: 1,
    min: 1,
    max: 1_000_000,
    flag: 'repeat',
    argName: 'n',
    commands: ['ivr'],
  }),
  opt.string('ivr.rate', {
    help: 'start at most this many scenarios per second (default: as fast as --concurrency allows)',
    flag: 'rate',
    argName: 'per-second',
    commands: ['ivr'],
    validate: positiveNumber,
  }),
  opt.list('ivr.var', {
    help: "set scenario variables, overriding the files' own: name=value,name2=value2",
    flag: 'var',
    argName: 'list',
    ini: false,
    commands: ['ivr'],
    validate: (v) =>
      v.find((x) => !/^[A-Za-z_][\w.-]*=/.test(x)) !== undefined ? 'each item must be name=value' : undefined,
  }),
  opt.string('ivr.shard', {
    help:
      'run only slice I of N of the scenarios (e.g. 2/3), the same slice on every machine, for a CI matrix; ' +
      '`shtoom ivr merge` joins the JSON reports',
    flag: 'shard',
    argName: 'i/n',
    ini: false,
    commands: ['ivr'],
    validate: (v) => {
      const m = /^(\d{1,6})\/(\d{1,6})$/.exec(v.trim());
      return m && Number(m[2]) >= 1 && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2])
        ? undefined
        : 'must be I/N with 1 <= I <= N, e.g. 2/3';
    },
  }),
  opt.bool('ivr.tap', {
    help: 'print TAP version 13 on stdout (steps as # comments), nothing else',
    default: false,
    flag: 'tap',
    ini: false,
    commands: ['ivr'],
  }),
  opt.string('ivr.junit', {
    help: 'write a JUnit XML report (one testcase per scenario run, steps in system-out) to this file',
    flag: 'junit',
    argName: 'file',
    ini: false,
    commands: ['ivr'],
  }),
  opt.string('ivr.json-file', {
    help:
      'write the JSON report to this file, with the audio clips beside it in clips/ (--json prints it on stdout ' +
      'instead)',
    flag: 'json-file',
    argName: 'file',
    ini: false,
    commands: ['ivr'],
  }),
  opt.string('ivr.html', {
    help: 'write the HTML report (timeline, waveform with assertions, transcripts, audio players) into this directory',
    flag: 'html',
    argName: 'dir',
    ini: false,
    commands: ['ivr'],
  }),
  opt.string('ivr.clips', {
    help: "write every prompt clip and each call's received audio as WAV files into this directory",
    flag: 'clips',
    argName: 'dir',
    ini: false,
    commands: ['ivr'],
  }),
  opt.enum('ivr.keep-audio', {
    help: 'audio kept for the reports: all runs, failed runs only, or auto (all up to 20 runs, else failed)',
    choices: ['auto', 'all', 'failed'],
    default: 'auto',
    flag: 'keep-audio',
    argName: 'which',
    commands: ['ivr'],
  }),
  opt.enum('ivr.progress', {
    help:
      'what is printed as the run goes: each step, each scenario, nothing; auto: steps for one scenario at a ' +
      'time, else scenarios',
    choices: ['auto', 'steps', 'scenarios', 'none'],
    default: 'auto',
    flag: 'progress',
    argName: 'what',
    commands: ['ivr'],
  }),
  opt.string('ivr.keys', {
    help: 'ivr crawl: the keys to try at each menu, one call each',
    default: '0123456789*#',
    flag: 'keys',
    argName: 'keys',
    commands: ['ivr'],
    validate: (v) => (/^[0-9*#A-D]{1,16}$/.test(v) ? undefined : 'must be 1 to 16 DTMF keys: 0-9 * # A-D'),
  }),
  opt.int('ivr.depth', {
    help: 'ivr crawl: the most keys pressed on a path; deeper menus are recorded, not explored',
    default: 4,
    min: 1,
    max: 30,
    flag: 'depth',
    argName: 'n',
    commands: ['ivr'],
  }),
  opt.int('ivr.max-calls', {
    help: 'ivr crawl: the most calls the crawl places',
    default: 200,
    min: 1,
    max: 100_000,
    flag: 'max-calls',
    argName: 'n',
    commands: ['ivr'],
  }),
  opt.duration('ivr.max-time', {
    help: 'ivr crawl: place no new call after this long',
    unit: 's',
    default: 1800,
    min: 1,
    max: 7 * 86_400,
    flag: 'max-time',
    commands: ['ivr'],
  }),
  opt.list('ivr.input', {
    help: 'ivr crawl: key strings to enter where a menu waits for several keys (a PIN): 1234#,0000#',
    flag: 'input',
    argName: 'list',
    commands: ['ivr'],
    validate: (v) =>
      v.find((x) => !/^[0-9*#A-D]{1,32}$/.test(x)) !== undefined
        ? 'each item must be 1 to 32 DTMF keys: 0-9 * # A-D'
        : undefined,
  }),
  opt.string('ivr.out', {
    help: 'ivr crawl: the directory for tree.json, prompts/ and scenarios/',
    default: 'crawl',
    flag: 'out',
    argName: 'dir',
    ini: false,
    commands: ['ivr'],
  }),
  opt.duration('ivr.prompt-gap', {
    help: 'ivr crawl: silence that ends one prompt and starts the next (as listen cuts them)',
    unit: 'ms',
    default: 700,
    min: 100,
    max: 10_000,
    flag: 'prompt-gap',
    commands: ['ivr'],
  }),
  opt.duration('ivr.settle', {
    help: 'ivr crawl: quiet after a prompt that means the IVR waits for a key (more than --prompt-gap)',
    unit: 'ms',
    default: 2000,
    min: 200,
    max: 60_000,
    flag: 'settle',
    commands: ['ivr'],
  }),
  opt.duration('ivr.no-key', {
    help: "ivr crawl: how long the no-key try waits for the IVR's own timeout",
    unit: 'ms',
    default: 10_000,
    min: 500,
    max: 600_000,
    flag: 'no-key',
    commands: ['ivr'],
  }),
  opt.duration('ivr.response', {
    help: 'ivr crawl: no speech this long after the keys is the outcome silence',
    unit: 'ms',
    default: 4000,
    min: 500,
    max: 600_000,
    flag: 'response',
    commands: ['ivr'],
  }),
  opt.string('ivr.compare', {
    help:
      'ivr crawl: crawl again and report what changed against the map in this directory (its tree.json); ' +
      'exit 1 on any change',
    flag: 'compare',
    argName: 'dir',
    ini: false,
    commands: ['ivr'],
  }),
  opt.string('ivr.resume', {
    help:
      'ivr crawl: go on with the crawl in this directory that stopped (--max-calls, --max-time, Ctrl-C): its map ' +
      'and the tries it had not made; writes there unless --out says otherwise',
    flag: 'resume',
    argName: 'dir',
    ini: false,
    commands: ['ivr'],
  }),
  opt.string('ivr-demo.pin', {
    help: 'the PIN the demo IVR accepts',
    default: '1234',
    argName: 'digits',
    commands: ['serve'],
    validate: (v) => (/^[0-9*]{1,8}$/.test(v) ? undefined : 'must be 1 to 8 keys 0-9 or *'),
  }),
  opt.enum('ivr-demo.tts', {
    help: 'the text-to-speech engine the demo IVR speaks with (flite is the more intelligible to recognisers)',
    choices: ['flite', 'espeak-ng'],
    default: 'flite',
    argName: 'engine',
    commands: ['serve'],
  }),
  opt.string('ivr-demo.voice', {
    help: "the engine's voice: flite kal16 (default), kal, slt, rms, awb; espeak-ng en-us (default), en-gb+m3…",
    argName: 'voice',
    commands: ['serve'],
  }),
] as const;
