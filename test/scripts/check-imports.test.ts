/**
 * The layer rule's check (`npm run lint` runs it): the tree as it is
 * follows the rule, and each kind of import against it is caught.
 */
import { describe, expect, it } from 'vitest';
import { allowedLayers, checkFile, checkTree, importsOf, layerOf, LAYERS } from '../../scripts/check-imports.js';

const root = new URL('../..', import.meta.url).pathname;

describe('the layer rule (scripts/check-imports.ts)', () => {
  it('holds for every import of src/ and bin/', () => {
    expect(checkTree(root)).toEqual([]);
  });

  it('reads every kind of import and re-export, and not examples in comments', () => {
    const refs = importsOf(
      [
        '/**',
        " * import { Phone } from 'shtoom';",
        ' */',
        "import type { A } from './a.js';",
        "import { type B, type C } from './b.js';",
        "import D, { e as f, g } from './d.js';",
        "import * as h from './h.js';",
        "import './side-effect.js';",
        "export * from './all.js';",
        'export {',
        '  x,',
        '  type Y,',
        "} from './x.js';",
        "const m = await import('./lazy.js');",
      ].join('\n'),
    );
    expect(refs.map((r) => [r.specifier, r.line, r.typeOnly])).toEqual([
      ['./a.js', 4, true],
      ['./b.js', 5, true],
      ['./d.js', 6, false],
      ['./h.js', 7, false],
      ['./all.js', 9, false],
      ['./x.js', 10, false],
      ['./side-effect.js', 8, false],
      ['./lazy.js', 14, false],
    ]);
    expect(refs.find((r) => r.specifier === './d.js')?.names).toEqual(['e', 'g']);
  });

  it('places files in layers, the most specific path first', () => {
    expect(layerOf('src/sip/core/sip-core.ts')?.name).toBe('sip');
    expect(layerOf('src/sip/api/user-agent.ts')?.name).toBe('ua');
    expect(layerOf('src/clock/drive.ts')?.name).toBe('base');
    expect(layerOf('src/index.ts')?.name).toBe('package');
    expect(layerOf('test/app/call.test.ts')).toBeUndefined();
  });

  it('fails an import that points up or sideways', () => {
    // The SIP core taking its driver from the edge (what the tree did before the driver moved down).
    const up = checkFile('src/sip/core/sip-core.ts', "import type { SansIoCore } from '../../net/drive.js';\n");
    expect(up).toEqual([
      {
        file: 'src/sip/core/sip-core.ts',
        line: 1,
        specifier: '../../net/drive.js',
        why: expect.stringMatching(/^sip may not import net/),
      },
    ]);
    // Options read below the command line.
    expect(checkFile('src/rtp/settings.ts', "import type { ShtoomOptions } from '../options/index.js';")).toHaveLength(
      1,
    );
    // The calls layer taking a helper from the harness above it.
    expect(checkFile('src/doug/voice-call.ts', "import { PcmSource } from '../harness/pcm-source.js';")).toHaveLength(
      1,
    );
    // Sideways: the RTP core and the SIP core know nothing of each other.
    expect(checkFile('src/rtp/x.ts', "import { SipRequest } from '../sip/message/message.js';")).toHaveLength(1);
    // Down is fine, and so is the same layer.
    expect(checkFile('src/app/call.ts', "import { UserAgent } from '../sip/api/user-agent.js';")).toEqual([]);
    expect(checkFile('src/sip/core/a.ts', "import { b } from '../message/b.js';")).toEqual([]);
  });

  it('keeps sockets and name resolution in src/net', () => {
    expect(checkFile('src/sip/api/user-agent.ts', "import { lookup } from 'node:dns/promises';")).toHaveLength(1);
    expect(checkFile('src/app/x.ts', "import { createSocket } from 'node:dgram';")).toHaveLength(1);
    expect(checkFile('src/app/x.ts', "import { connect, isIP } from 'node:net';")).toHaveLength(1);
    expect(checkFile('src/app/x.ts', "import * as net from 'node:net';")).toHaveLength(1);
    expect(checkFile('src/app/x.ts', "import type { Socket } from 'node:dgram';")).toEqual([]);
    expect(checkFile('src/sip/transport/listen.ts', "import { isIP } from 'node:net';")).toEqual([]);
    expect(checkFile('src/net/sip-udp.ts', "import { createSocket } from 'node:dgram';")).toEqual([]);
  });

  it('refuses a rule that builds on itself or names an unknown layer', () => {
    expect(() =>
      allowedLayers([
        { name: 'a', paths: ['src/a/'], uses: ['b'] },
        { name: 'b', paths: ['src/b/'], uses: ['a'] },
      ]),
    ).toThrow(/builds on itself/);
    expect(() => allowedLayers([{ name: 'a', paths: ['src/a/'], uses: ['nope'] }])).toThrow(/unknown layer "nope"/);
    expect(allowedLayers(LAYERS).get('app')).toContain('net');
    expect(allowedLayers(LAYERS).get('net')).not.toContain('ua');
  });
});
