/**
 * The command line: a commander program generated from the options schema
 * and the command list, and the one place that turns failures into exit
 * codes and one-line messages.
 */
import { Command, CommanderError, Help, type Option } from 'commander';
import { UsageError } from '../errors.js';
import { Logger, streamSink, type LogLevel } from '../log/logger.js';
import { addSchemaOptions, readArgv, type BoundOptions } from '../options/commander.js';
import { isGlobal, offeredBy, sectionOf } from '../options/define.js';
import { loadOptions } from '../options/load.js';
import { schema as defaultSchema } from '../options/schema/index.js';
import type { Schema } from '../options/types.js';
import type { ShtoomOptions } from '../options/index.js';
import { packageInfo } from '../util/package-info.js';
import type { CommandSpec, Input } from './command.js';
import { commands as defaultCommands } from './commands/index.js';
import { ExitCode } from './exit-codes.js';
import { Output, colorLevel, makeChalk, type Writable } from './output.js';

export interface CliIo {
  /**
   * Standard input, made when a command reads it (keys in `call` on a
   * terminal, `phone`'s command lines); none: nothing is read.
   */
  readonly stdin?: () => Input;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C / SIGTERM (the bin wires the signals). */
  readonly signal?: AbortSignal;
  /** Aborted on a second Ctrl-C / SIGTERM: hurry (see `CommandContext.urgent`). */
  readonly urgent?: AbortSignal;
}

export interface CliDefinition {
  readonly schema?: Schema;
  readonly commands?: readonly CommandSpec[];
}

interface Link {
  readonly cmd: Command;
  readonly bound: BoundOptions;
}

/**
 * Run the CLI on `argv` (without the node and script paths) and return the
 * exit code. Never throws: every failure is a message on stderr and a code.
 */
export async function main(argv: readonly string[], io: CliIo, def: CliDefinition = {}): Promise<number> {
  const schema = def.schema ?? defaultSchema;
  let exitCode: number = ExitCode.OK;
  const program = buildProgram(schema, def.commands ?? defaultCommands, io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one line (see configureOutput below).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    return reportError(err, io.stderr);
  }
}

export function buildProgram(
  schema: Schema,
  commands: readonly CommandSpec[],
  io: CliIo,
  setExit: (code: number) => void,
): Command {
  const { version } = packageInfo();
  const program = new Command('shtoom')
    .description('headless SIP softphone, voice application server and VoIP test harness')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(`shtoom: ${oneLine(s)}\n`),
    });
  const root: Link = { cmd: program, bound: addSchemaOptions(program, schema.filter(isGlobal)) };
  // Help shows what matters where it is asked for, as git and npm do: the
  // root help the general options, a command's help its own options and
  // the global ones that matter for it (CommandSpec.globals), and `shtoom
  // help options` every global option by section.
  const general = new Set(schema.filter((s) => isGlobal(s) && GENERAL.test(s.id)).map((s) => s.id));
  const shownGlobals = new Map<Command, ReadonlySet<string>>();
  const hidden = (cmd: Command) => {
    const shown = shownGlobals.get(cmd) ?? new Set();
    return [...root.bound].filter(([id]) => !general.has(id) && !shown.has(id)).length;
  };
  program.configureHelp({
    showGlobalOptions: true,
    sortSubcommands: false,
    visibleOptions: (cmd) => {
      const all = new Help().visibleOptions(cmd);
      return cmd === program ? all.filter((o) => general.has(idOfOption(root.bound, o)) || !isBound(root, o)) : all;
    },
    visibleGlobalOptions: (cmd) => {
      const shown = shownGlobals.get(cmd) ?? new Set();
      const h = new Help();
      h.showGlobalOptions = true;
      return h
        .visibleGlobalOptions(cmd)
        .filter(
          (o) => !isBound(root, o) || general.has(idOfOption(root.bound, o)) || shown.has(idOfOption(root.bound, o)),
        );
    },
  });
  program.addHelpText(
    'after',
    '\nEvery command also takes the SIP, media, audio, account and STUN options (--sip-port, --user, …):\n' +
      "`shtoom help options` lists them all; `shtoom help COMMAND` (or `shtoom COMMAND --help`) a command's own.",
  );
  program.helpCommand(false);
  program
    .command('help')
    .description('help on a command, or `help options` for every global option (SIP, media, audio, account, STUN)')
    .argument('[topic...]', 'a command (`call`, `config save`) or `options`')
    .action((topic: string[]) => {
      if (topic.length === 1 && topic[0] === 'options') {
        io.stdout.write(globalOptionsHelp(schema, root));
        return;
      }
      let cmd: Command = program;
      for (const word of topic) {
        const next = cmd.commands.find((c) => c.name() === word);
        if (!next) {
          io.stderr.write(`shtoom: no help on "${topic.join(' ')}": not a command (or \`options\`)\n`);
          setExit(ExitCode.USAGE);
          return;
        }
        cmd = next;
      }
      cmd.outputHelp();
    });
  for (const spec of commands)
    addCommand(root, [root], spec, [], schema, io, setExit, (cmd, globals) => {
      shownGlobals.set(cmd, globals);
      const n = hidden(cmd);
      if (n > 0)
        cmd.addHelpText('after', `\n${n} more global options (SIP, media, audio, account, STUN): shtoom help options`);
    });
  return program;
}

/** The options `shtoom --help` shows, and every command's help too. */
const GENERAL = /^(general|log|output)\./;

const SECTIONS: Record<string, string> = {
  general: 'General',
  log: 'General',
  output: 'General',
  sip: 'SIP',
  account: 'Account',
  rtp: 'Media (RTP)',
  audio: 'Audio devices',
  stun: 'STUN',
};

/** `shtoom help options`: every global option, by section, as a command's help would show it. */
function globalOptionsHelp(schema: Schema, root: Link): string {
  const help = new Help();
  help.helpWidth = root.cmd.configureOutput().getOutHelpWidth?.() ?? 80;
  const groups = new Map<string, Option[]>();
  for (const spec of schema.filter(isGlobal)) {
    const b = root.bound.get(spec.id);
    if (!b) continue;
    const title = SECTIONS[sectionOf(spec)] ?? sectionOf(spec);
    groups.set(title, [...(groups.get(title) ?? []), b.option]);
  }
  const all = [...groups.values()].flat();
  const width = Math.max(...all.map((o) => help.optionTerm(o).length));
  const lines = ['Global options: every command takes them; the ini file has them as [section] key.', ''];
  for (const [title, options] of groups) {
    lines.push(`${title}:`);
    for (const o of options) lines.push(help.formatItem(help.optionTerm(o), width, help.optionDescription(o), help));
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function isBound(link: Link, option: Option): boolean {
  return idOfOption(link.bound, option) !== '';
}

function addCommand(
  parent: Link,
  chain: readonly Link[],
  spec: CommandSpec,
  path: readonly string[],
  schema: Schema,
  io: CliIo,
  setExit: (code: number) => void,
  added: (cmd: Command, globals: ReadonlySet<string>) => void,
): void {
  const fullPath = [...path, spec.name];
  const pathText = fullPath.join(' ');
  const cmd = parent.cmd.command(spec.name).description(spec.description);
  for (const a of spec.args ?? []) {
    const name = `${a.name}${a.variadic ? '...' : ''}`;
    cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
  }
  // Options listed for a parent command are offered by its subcommands, so
  // bind each on the command that is actually run.
  const own = spec.subcommands ? [] : schema.filter((s) => !isGlobal(s) && offeredBy(s, pathText));
  const link: Link = { cmd, bound: addSchemaOptions(cmd, own) };
  if (spec.examples?.length) cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}`);
  added(cmd, new Set(spec.globals ?? []));
  const nextChain = [...chain, link];
  for (const sub of spec.subcommands ?? []) addCommand(link, nextChain, sub, fullPath, schema, io, setExit, added);
  if (spec.run) {
    const run = spec.run;
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      setExit(await runCommand(run, self.args, nextChain, schema, io));
    });
  }
}

async function runCommand(
  run: NonNullable<CommandSpec['run']>,
  args: readonly string[],
  chain: readonly Link[],
  schema: Schema,
  io: CliIo,
): Promise<number> {
  try {
    const loaded = loadOptions(schema, { env: io.env, argv: readArgv(chain) });
    const options = loaded.options as unknown as ShtoomOptions;
    const colorMode = options.get('output.color');
    const log = new Logger(
      streamSink(io.stderr, { chalk: makeChalk(colorLevel(colorMode, io.stderr, io.env)) }),
      options.get('log.level') as LogLevel,
    );
    for (const w of loaded.warnings) log.warn(w);
    const out = new Output(io.stdout, options.get('output.json'), makeChalk(colorLevel(colorMode, io.stdout, io.env)));
    const code = await run({
      options,
      args,
      log,
      out,
      signal: io.signal ?? new AbortController().signal,
      urgent: io.urgent ?? new AbortController().signal,
      ...(io.stdin ? { stdin: io.stdin } : {}),
      stdout: io.stdout,
      configFile: loaded.configFile,
      configFound: loaded.configFound,
      env: io.env,
    });
    // A second Ctrl-C hurried the clean-up: what was asked did not finish as asked.
    return io.urgent?.aborted ? ExitCode.INTERRUPTED : code;
  } catch (err) {
    return reportError(err, io.stderr);
  }
}

function reportError(err: unknown, stderr: Writable): number {
  if (err instanceof UsageError) {
    stderr.write(`shtoom: ${err.message}\n`);
    return ExitCode.USAGE;
  }
  const e = err as Error;
  stderr.write(`shtoom: internal error: ${e?.message ?? String(err)}\n`);
  if (e?.stack && process.env.SHTOOM_DEBUG_STACK) stderr.write(e.stack + '\n');
  return ExitCode.FAILURE;
}

function idOfOption(bound: BoundOptions, option: Option): string {
  for (const [id, b] of bound) if (b.option === option || b.negate === option) return id;
  return '';
}

function oneLine(s: string): string {
  return s
    .replace(/^error:\s*/i, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
