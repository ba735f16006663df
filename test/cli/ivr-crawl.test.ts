/**
 * `shtoom ivr crawl`: a bad option or argument is one line on stderr and
 * exit 2, before any call. (The crawl itself: test/harness/crawl in virtual
 * time, test/interop/ivr-crawl.test.ts over real calls.)
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

const { dir } = tempDir('shtoom-cli-crawl-');
const env = { PATH: process.env.PATH, HOME: dir };
const URI = 'sip:ivr@127.0.0.1:9';

describe('shtoom ivr crawl: bad input', () => {
  it.each([
    [['ivr', 'crawl'], /ivr crawl takes one URI/],
    [['ivr', 'crawl', URI, 'sip:other@127.0.0.1'], /ivr crawl takes one URI/],
    [['ivr', 'crawl', 'ivr.example.com'], /not a SIP URI/],
    [['ivr', 'crawl', URI, '--keys', '12x'], /--keys.*DTMF keys/],
    [['ivr', 'crawl', URI, '--depth', '0'], /--depth/],
    [['ivr', 'crawl', URI, '--max-calls', 'many'], /--max-calls/],
    [['ivr', 'crawl', URI, '--input', '1234#,12z'], /--input.*DTMF keys/],
    [['ivr', 'crawl', URI, '--dtmf-mode', 'smoke'], /--dtmf-mode/],
    [['ivr', 'crawl', URI, '--codec', 'mp3'], /--codec/],
    [['ivr', 'crawl', URI, '--compare', 'no-such-dir'], /no crawl map in .*no-such-dir/],
    [['ivr', 'crawl', URI, '--junit', 'x.xml'], /--junit reports a comparison/],
    [['ivr', 'crawl', URI, '--settle', '500ms', '--prompt-gap', '800ms'], /--settle \(500 ms\) must be longer/],
    [['ivr', 'crawl', URI, '--no-key', 'soon'], /--no-key/],
    [['ivr', 'crawl', URI, '--resume', 'no-such-dir'], /no crawl map in .*no-such-dir/],
    [
      ['ivr', 'crawl', URI, '--resume', 'a', '--compare', 'b'],
      /--resume goes on with a crawl, --compare makes a new one: choose one/,
    ],
    // A scenario run refuses the crawl's options instead of ignoring them.
    [['ivr', 'scenarios/', '--keys', '12'], /--keys is an option of ivr crawl/],
    [['ivr', 'scenarios/', '--codec', 'pcma'], /--codec is an option of ivr crawl/],
    [['ivr', 'scenarios/', '--settle', '1s'], /--settle is an option of ivr crawl/],
    [['ivr', 'scenarios/', '--compare', 'crawl'], /--compare is an option of ivr crawl/],
  ])('%j', async (args, message) => {
    const r = await runCli([...args, '--sip-address', '127.0.0.1'], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
