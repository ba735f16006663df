/**
 * `shtoom config show [--json]` and `shtoom config save [FILE]`: the
 * effective options with where each came from, and writing them as ini.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { envOf, flagOf, inIni, keyOf, sectionOf } from '../../options/define.js';
import { describeFsError } from '../../options/load.js';
import { describeSource } from '../../options/resolve.js';
import { writeIni } from '../../options/ini-file.js';
import { formatValue } from '../../options/values.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { SIP_PORT_USE } from './call-common.js';

const MASK = '********';

/** The SIP port each command really binds (`SIP_PORT_USE`): a number, or `free` for an ephemeral one. */
function sipPortByCommand(ctx: CommandContext): Record<string, number | string> {
  const e = ctx.options.entry('sip.port');
  const set = e.source.kind !== 'default';
  return Object.fromEntries(
    Object.entries(SIP_PORT_USE).map(([cmd, use]) => [
      cmd,
      use === 'loopback-free' ? 'free (127.0.0.1)' : use === 'free-unless-set' && !set ? 'free' : (e.value as number),
    ]),
  );
}

/** `register, serve 5060; call, smoke, ivr, options a free port; demo a free port on 127.0.0.1`. */
function describeSipPorts(byCommand: Record<string, number | string>): string {
  const groups = new Map<string, string[]>();
  for (const [cmd, v] of Object.entries(byCommand)) {
    const text =
      v === 'free'
        ? 'a free port (unless sip.port is set)'
        : v === 'free (127.0.0.1)'
          ? 'a free port on 127.0.0.1'
          : `${v}`;
    groups.set(text, [...(groups.get(text) ?? []), cmd]);
  }
  const parts = [...groups].map(([text, cmds]) => `${cmds.join(', ')}: ${text}`);
  return `used by ${parts.join('; ')}; serve --listen overrides it`;
}

async function show(ctx: CommandContext): Promise<number> {
  const secrets = ctx.options.get('config.include-secrets');
  const sipPorts = sipPortByCommand(ctx);
  const entries = ctx.options.entries().filter((e) => e.spec.id !== 'config.include-secrets');
  const shown = (e: (typeof entries)[number]) => (e.spec.secret && !secrets && e.value !== undefined ? MASK : e.value);
  ctx.out.data(
    {
      configFile: ctx.configFile,
      configFound: ctx.configFound,
      options: Object.fromEntries(
        entries.map((e) => [
          e.spec.id,
          {
            value: shown(e) ?? null,
            source: describeSource(e.source),
            flag: flagOf(e.spec) ? `--${flagOf(e.spec)}` : null,
            env: envOf(e.spec) ?? null,
            ini: inIni(e.spec) ? `[${sectionOf(e.spec)}] ${keyOf(e.spec)}` : null,
            ...(e.spec.id === 'sip.port' ? { byCommand: sipPorts } : {}),
          },
        ]),
      ),
    },
    (c) => {
      const lines = [`${c.bold('config file')} ${ctx.configFile}${ctx.configFound ? '' : c.gray(' (not found)')}`];
      const rows = entries.map((e) => {
        const v = shown(e);
        return { e, text: v === undefined ? '(unset)' : v === MASK ? MASK : formatValue(e.spec, v) };
      });
      const idWidth = Math.max(...rows.map((r) => r.e.spec.id.length));
      const valueWidth = Math.min(40, Math.max(...rows.map((r) => r.text.length)));
      for (const { e, text } of rows) {
        const src = describeSource(e.source);
        const value = e.value === undefined ? c.gray(text.padEnd(valueWidth)) : text.padEnd(valueWidth);
        lines.push(
          `${e.spec.id.padEnd(idWidth)}  ${value}  ${e.source.kind === 'default' ? c.gray(src) : c.cyan(src)}`,
        );
        if (e.spec.id === 'sip.port') lines.push(`${''.padEnd(idWidth)}  ${c.gray(describeSipPorts(sipPorts))}`);
      }
      return lines.join('\n');
    },
  );
  return ExitCode.OK;
}

async function save(ctx: CommandContext): Promise<number> {
  const file = ctx.args[0] ?? ctx.configFile;
  const includeSecrets = ctx.options.get('config.include-secrets');
  const text = writeIni(ctx.options.schema, (spec) => ctx.options.entry(spec.id).value, {
    includeSecrets,
    header: [
      'shtoom configuration, written by `shtoom config save`.',
      'Precedence: defaults < this file < SHTOOM_* environment < command line.',
      'Lines starting with ; are comments; a commented key shows its default.',
    ],
  });
  try {
    mkdirSync(dirname(file), { recursive: true });
    // Write then rename, so a crash never leaves half a config behind.
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode: includeSecrets ? 0o600 : 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${describeFsError(err)}`);
  }
  ctx.out.data({ written: file, secrets: includeSecrets }, () => `wrote ${file}`);
  return ExitCode.OK;
}

export const configCommand: CommandSpec = {
  name: 'config',
  description: 'show or save the effective configuration',
  subcommands: [
    {
      name: 'show',
      description: 'print every option with its effective value and where it came from',
      run: show,
      examples: ['shtoom config show', 'SHTOOM_SIP_PORT=5070 shtoom config show --json'],
    },
    {
      name: 'save',
      description: 'write the effective options to the ini file (passwords only with --include-secrets)',
      args: [{ name: 'file', description: 'where to write (default: the config file in effect)' }],
      run: save,
      examples: ['shtoom --sip-port 5070 config save', 'shtoom config save ./shtoom.ini'],
    },
  ],
};
