/**
 * The command line: a commander program generated from the options schema
 * and the command list, and the one place that turns failures into exit
 * codes and one-line messages.
 */
import { Command, CommanderError, Help, type Option } from 'commander';
import { UsageError } from '../errors.js';
import { Logger, streamSink, type LogLevel } from '../log/logger.js';
import { addSchemaOptions, readArgv, type BoundOptions } from '../options/commander.js';
import { isGlobal, offeredBy } from '../options/define.js';
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
  // The root help lists only the general options; a command's help lists all
  // global options (SIP, media, audio, account…) it can be given.
  const general = new Set(
    schema.filter((s) => isGlobal(s) && /^(general|log|output)\./.test(s.id)).map((s) => root.bound.get(s.id)?.option),
  );
  program.configureHelp({
    showGlobalOptions: true,
    sortSubcommands: false,
    visibleOptions: (cmd) => {
      const all = new Help().visibleOptions(cmd);
      return cmd === program ? all.filter((o) => general.has(o) || !root.bound.has(idOfOption(root.bound, o))) : all;
    },
  });
  program.addHelpText(
    'after',
    '\nEvery command also takes the SIP, media, audio and account options (--sip-port, --user, …):\n' +
      'see `shtoom <command> --help`, `shtoom config show`, and the [sections] of the ini file.',
  );
  for (const spec of commands) addCommand(root, [root], spec, [], schema, io, setExit);
  return program;
}

function addCommand(
  parent: Link,
  chain: readonly Link[],
  spec: CommandSpec,
  path: readonly string[],
  schema: Schema,
  io: CliIo,
  setExit: (code: number) => void,
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
  const nextChain = [...chain, link];
  for (const sub of spec.subcommands ?? []) addCommand(link, nextChain, sub, fullPath, schema, io, setExit);
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
