/**
 * The IVR crawler's data: what one probe call observed, the menu graph it
 * builds (nodes are menus, identified by the prompt they wait after; edges
 * are a key and its outcome) and the prompts heard on the way.
 */
import type { Hole } from './holes.js';

/** What the crawler does at a menu: press keys (one key, or a digit string such as `1234#`), or wait. */
export type CrawlAction = { readonly kind: 'keys'; readonly keys: string } | { readonly kind: 'none' };

/** How a probe's last action ended. */
export type ObservedEnd =
  /** Prompts, then quiet long enough: the IVR waits for a key. */
  | 'waiting'
  /** The far end hung up. */
  | 'hangup'
  /** The far end transferred the call (REFER, or a 3xx to the INVITE). */
  | 'transfer'
  /** No speech at all within the wait. */
  | 'silence'
  /** Speech went on past the longest observation. */
  | 'cut';

/** One prompt as a probe recorded it: 8 kHz PCM with 100 ms of context each side, and its speech length. */
export interface ObservedPrompt {
  readonly samples: Int16Array;
  readonly speechMs: number;
  /** Where in `samples` the receiver concealed or inserted audio (left out of the comparison). */
  readonly holes: readonly Hole[];
  /** The prompt before it (when there is one) and this one, joined without the silence between. */
  readonly withPrevious?: { readonly samples: Int16Array; readonly speechMs: number; readonly holes: readonly Hole[] };
}

/** What a probe call saw after its last action (the replayed path before it went as expected). */
export interface Observation {
  readonly prompts: readonly ObservedPrompt[];
  readonly end: ObservedEnd;
  /** The transfer's target, when `end` is `transfer`. */
  readonly transferTo?: string;
}

/** A probe that could not observe the action: the call failed, or the replayed path did not lead where it did. */
export interface ProbeFailure {
  readonly failed: string;
}

/** What the graph holds of a prompt: its identity, its audio and its transcript. */
export interface PromptInfo {
  readonly id: string;
  readonly samples: Int16Array;
  readonly speechMs: number;
  /** Every recording of it kept (the first is `samples`), at most a few: transcripts are checked on each. */
  readonly recordings: Int16Array[];
  /** The holes of each recording kept (audio the receiver made up), when known; absent for a map read back. */
  readonly holes?: Hole[][];
  /** Free transcription ('' when none was made or nothing was recognised). */
  transcript: string;
}

export type NodeKind = 'menu' | 'digits';

/** A menu: the prompt the IVR waits after, and the shortest path found to it. */
export interface CrawlNode {
  readonly id: string;
  /** The prompt the IVR waits after (its identity). */
  readonly prompt: string;
  /** Actions from the first prompt(s) to this menu. */
  readonly path: readonly CrawlAction[];
  /** Keys pressed (actions) on the path. */
  readonly depth: number;
  /** `digits` when a single key is met by silence: the menu collects several keys (a PIN). */
  kind: NodeKind;
  /** Not explored further: at the depth limit. */
  truncated: boolean;
}

export type EdgeOutcome = 'menu' | 'repeat' | 'hangup' | 'transfer' | 'silence' | 'cut' | 'failed';

/** An action at a menu and what followed. */
export interface CrawlEdge {
  readonly from: string;
  readonly action: CrawlAction;
  /** Prompts said before the outcome (announcements; for `menu`/`repeat` not the menu's own prompt). */
  readonly said: readonly string[];
  readonly outcome: EdgeOutcome;
  /** The menu reached (`menu`, `repeat`). */
  readonly to?: string;
  /** The transfer target, or why the probe failed. */
  readonly detail?: string;
}

/** The IVR's entry: what the first call heard before its first menu (or before it ended). */
export interface CrawlEntry {
  readonly said: readonly string[];
  readonly outcome: EdgeOutcome;
  readonly to?: string;
  readonly detail?: string;
}

export const actionLabel = (a: CrawlAction): string => (a.kind === 'none' ? '(no key)' : a.keys);
export const sameAction = (a: CrawlAction, b: CrawlAction): boolean =>
  a.kind === b.kind && (a.kind === 'none' || a.keys === (b as { keys: string }).keys);
