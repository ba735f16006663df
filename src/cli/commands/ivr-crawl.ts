/**
 * `shtoom ivr crawl URI`: map an IVR by calling it — every key at every
 * menu, each in a fresh call that replays the path — and write the map
 * (`tree.json`), the prompts (WAV) and a regression scenario per path to a
 * leaf (`scenarios/*.yaml`, run them with `shtoom ivr DIR/scenarios`).
 */
import { resolve } from 'node:path';
import { PocketsphinxRecogniser } from '../../asr/pocketsphinx.js';
import type { CodecId } from '../../codecs/codec.js';
import { UsageError } from '../../errors.js';
import { crawl } from '../../harness/crawl/crawler.js';
import { heardCandidates, writeCrawl } from '../../harness/crawl/output.js';
import { DEFAULT_TIMING, type ProbeTiming } from '../../harness/crawl/probe.js';
import { readResume } from '../../harness/crawl/tree-file.js';
import { verifyTranscripts } from '../../harness/crawl/verified-transcripts.js';
import { actionLabel } from '../../harness/crawl/types.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadComparison, reportComparison } from './ivr-crawl-compare.js';
import { ivrPort } from './ivr-port.js';

/** The crawl's waits from the options; the quiet that ends a menu must be longer than the gap between prompts. */
function timingOf(ctx: CommandContext): ProbeTiming {
  const o = ctx.options;
  const timing: ProbeTiming = {
    ...DEFAULT_TIMING,
    promptGapMs: o.get('ivr.prompt-gap'),
    settleMs: o.get('ivr.settle'),
    noKeyMs: o.get('ivr.no-key'),
    responseMs: o.get('ivr.response'),
  };
  if (timing.settleMs <= timing.promptGapMs)
    throw new UsageError(
      `ivr crawl: --settle (${timing.settleMs} ms) must be longer than --prompt-gap (${timing.promptGapMs} ms)`,
    );
  return timing;
}

export async function runCrawl(ctx: CommandContext, args: readonly string[]): Promise<number> {
  const o = ctx.options;
  if (args.length !== 1) throw new UsageError('ivr crawl takes one URI: shtoom ivr crawl sip:ivr@host');
  const uri = args[0]!;
  if (!/^sips?:[^\s]+$/i.test(uri)) throw new UsageError(`ivr crawl: not a SIP URI: ${JSON.stringify(uri)}`);
  // The crawl runs on one thread: say so rather than ignore the option.
  if (o.sourceOf('ivr.workers').kind === 'argv')
    throw new UsageError(
      '--workers spreads scenario runs (shtoom ivr FILES --workers N); ivr crawl runs on one thread',
    );
  const mode = o.get('call.dtmf-mode');
  const dtmfMode = mode === 'auto' ? 'rfc4733' : mode;
  const codecs: readonly CodecId[] | undefined =
    o.sourceOf('call.codec').kind === 'default' ? undefined : (o.get('call.codec') as readonly CodecId[]);
  const resumeDir = o.get('ivr.resume');
  // A resumed crawl is written where it was read from, unless --out says otherwise.
  const out = resolve(
    resumeDir !== undefined && o.sourceOf('ivr.out').kind === 'default' ? resumeDir : o.get('ivr.out'),
  );
  const timing = timingOf(ctx);
  if (o.get('ivr.compare') !== undefined && resumeDir !== undefined)
    throw new UsageError('ivr crawl: --resume goes on with a crawl, --compare makes a new one: choose one');
  const comparison = loadComparison(ctx);
  const resume = resumeDir !== undefined ? readResume(resolve(resumeDir)) : undefined;
  // With --compare the new map is written only where --out says, never over the map compared with.
  const writeOut = !comparison || o.sourceOf('ivr.out').kind !== 'default';
  if (comparison && writeOut && comparison.dir === out)
    throw new UsageError('ivr crawl: --out must not be the --compare directory (the map compared with)');
  if (!comparison && o.get('ivr.junit') !== undefined)
    throw new UsageError('ivr crawl: --junit reports a comparison: give --compare DIR too');
  const log = ctx.log.child('crawl');
  const asr = new PocketsphinxRecogniser();
  let transcribe: ((s: Int16Array) => Promise<string>) | undefined;
  try {
    await asr.check();
    transcribe = async (s) => (await asr.recognise(s)).text;
  } catch (e) {
    log.warn(`no transcripts: ${(e as Error).message}`);
  }
  const port = await ivrPort(ctx);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const startedAt = new Date().toISOString();
  try {
    const map = await crawl(
      {
        uri,
        dtmfMode,
        timing,
        ...(codecs ? { codecs } : {}),
        limits: {
          keys: [...o.get('ivr.keys')],
          inputs: o.get('ivr.input') ?? [],
          maxDepth: o.get('ivr.depth'),
          maxCalls: o.get('ivr.max-calls'),
        },
        concurrency: o.get('ivr.concurrency'),
        wallMs: o.get('ivr.max-time') * 1000,
        ...(transcribe ? { transcribe } : {}),
        onProbe: (line) => log.info(line),
        signal: stop.signal,
        ...(resume ? { resume } : {}),
      },
      port.env(),
    );
    const heard = new Map<string, string>();
    // Only prompts a scenario could check with heard: (recognition is slow on a busy machine), and none
    // when the map is only compared.
    const candidates = writeOut ? heardCandidates(map) : new Set<string>();
    if (transcribe)
      for (const c of await verifyTranscripts(
        map.prompts.filter((p) => candidates.has(p.id)),
        asr,
      )) {
        if (c.kept) heard.set(c.id, c.transcript);
        log.debug(`${c.id} "${c.transcript}": ${c.kept ? 'kept' : 'left out'} for heard: (${c.why})`);
      }
    const vars = Object.fromEntries(
      (o.get('ivr.var') ?? []).map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] as const),
    );
    const files = writeOut
      ? writeCrawl(map, out, { dtmfMode, timing, heard, vars, ...(codecs ? { codecs } : {}) })
      : undefined;
    const prompt = (id: string) => map.prompts.find((p) => p.id === id);
    for (const n of map.nodes) {
      const where = n.path.map(actionLabel).join(' ') || 'entry';
      const note = n.truncated ? ' (not explored: depth)' : '';
      ctx.out.line(`${n.id} ${n.kind}${note} [${where}] "${prompt(n.prompt)?.transcript ?? ''}"`);
    }
    for (const e of map.edges) {
      const to = e.to ? ` ${e.to}` : '';
      ctx.out.line(`  ${e.from} ${actionLabel(e.action)} -> ${e.outcome}${to}${e.detail ? ` (${e.detail})` : ''}`);
    }
    const left = map.unexplored ? `; ${map.unexplored} probes not made (limits)` : '';
    const again = map.reprobes ? ` (${map.reprobes} made again: a prompt too made up to judge)` : '';
    ctx.out.line(
      `${map.nodes.length} menus, ${map.edges.length} edges, ${map.prompts.length} prompts; ` +
        `${map.callsUsed} calls${again} in ${(map.durationMs / 1000).toFixed(1)} s${left}`,
    );
    if (files)
      ctx.out.line(
        `wrote ${out}/tree.json, ${map.prompts.length} prompts and ${files.length} scenarios (${heard.size} heard:)`,
      );
    if (ctx.signal.aborted) return ExitCode.INTERRUPTED;
    if (!map.entry || map.entry.outcome === 'failed') {
      ctx.out.line(`the first call failed: ${map.entry?.detail ?? 'no answer'}`);
      return ExitCode.FAILURE;
    }
    return comparison ? reportComparison(ctx, comparison, map, startedAt) : ExitCode.OK;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await port.close();
    await asr.close();
  }
}
