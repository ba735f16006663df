/**
 * The crawl's plan, sans I/O: the menu graph found so far and the probes
 * still to make. A probe is one fresh call that replays the path to a menu
 * and then tries one action there; its observation comes back through
 * `report` as prompt identities (the `PromptLibrary` decides those), and the
 * planner turns it into an edge, perhaps a new menu, and more probes.
 *
 * Order: breadth first, so every menu is reached by its shortest path. At a
 * new menu the first key and the "no key" path go first; when the first key
 * is met by silence the menu collects several keys (a PIN), and the
 * configured inputs are tried instead of the other single keys. With
 * `eager` every key goes at once (the inputs still follow a silent first key).
 */
import {
  actionLabel,
  sameAction,
  type CrawlAction,
  type CrawlEdge,
  type CrawlEntry,
  type CrawlNode,
  type ObservedEnd,
} from './types.js';

export interface CrawlLimits {
  /** Keys to try at each menu, one per probe. */
  readonly keys: readonly string[];
  /** Digit strings to try where a menu collects several keys (`1234#`). */
  readonly inputs: readonly string[];
  /** Most actions on a path: menus deeper than this are recorded, not explored. */
  readonly maxDepth: number;
  /** Most probe calls in all. */
  readonly maxCalls: number;
  /**
   * Try every key of a new menu at once instead of the first key before the
   * rest (when enough calls may run at once: a round of calls saved, at the
   * price of single keys tried where a menu collects several).
   */
  readonly eager?: boolean;
}

/** One probe call: the path to the menu, then the action (none for the first call). */
export interface PlannedProbe {
  readonly id: number;
  readonly node: string | undefined;
  readonly path: readonly CrawlAction[];
  readonly action: CrawlAction | undefined;
}

/** A crawl to continue: the graph found so far and the probes it had still to make (`CrawlPlanner.restore`). */
export interface PlannerState {
  readonly entry: CrawlEntry | undefined;
  readonly nodes: readonly CrawlNode[];
  readonly edges: readonly CrawlEdge[];
  /** Probes planned and not made, in order: a menu and the action to try there. */
  readonly pending: readonly { readonly node: string; readonly action: CrawlAction }[];
  /** Calls the earlier crawl(s) placed. */
  readonly callsUsed: number;
  /** Of those, probes made again (a recording too made up to judge). */
  readonly reprobes?: number;
}

/** A probe's outcome in prompt identities. */
export type ProbeReport =
  | {
      readonly prompts: readonly string[];
      readonly end: ObservedEnd;
      readonly transferTo?: string;
    }
  | { readonly failed: string };

export class CrawlPlanner {
  readonly nodes = new Map<string, CrawlNode>();
  readonly edges: CrawlEdge[] = [];
  entry: CrawlEntry | undefined;
  /** Probe calls handed out (re-probes included). */
  callsUsed = 0;
  /** Probes made again because a recording was too made up to judge (`again`). */
  reprobes = 0;
  private readonly queue: PlannedProbe[] = [];
  private readonly inFlight = new Set<number>();
  private nextId = 1;
  /** Calls placed before this run (a resumed crawl): `maxCalls` counts this run's only. */
  private earlierCalls = 0;
  private stopped = false;

  constructor(
    readonly limits: CrawlLimits,
    state?: PlannerState,
  ) {
    if (limits.keys.length === 0) throw new RangeError('no keys to try');
    if (!state) {
      this.queue.push({ id: this.nextId++, node: undefined, path: [], action: undefined });
      return;
    }
    // Go on where an earlier crawl stopped: its graph, and its probes not made, in their order.
    this.entry = state.entry;
    for (const n of state.nodes) this.nodes.set(n.id, { ...n });
    this.edges.push(...state.edges);
    this.callsUsed = this.earlierCalls = state.callsUsed;
    this.reprobes = state.reprobes ?? 0;
    for (const p of state.pending) {
      const node = this.nodes.get(p.node);
      if (!node) throw new RangeError(`a probe pending at ${p.node}, a menu the map does not have`);
      this.queue.push({ id: this.nextId++, node: node.id, path: node.path, action: p.action });
    }
    // A crawl stopped before its first call answered: start again.
    if (!state.entry && this.queue.length === 0)
      this.queue.push({ id: this.nextId++, node: undefined, path: [], action: undefined });
  }

  /** The next probe to make now, if any (none when the call budget is spent or the rest wait on probes in flight). */
  next(): PlannedProbe | undefined {
    if (this.stopped || this.callsUsed - this.earlierCalls >= this.limits.maxCalls) return undefined;
    const p = this.queue.shift();
    if (!p) return undefined;
    this.callsUsed++;
    this.inFlight.add(p.id);
    return p;
  }

  /**
   * The same probe once more, as a fresh call (its recording was too made up
   * by the receiver to judge): counted as a call, within `maxCalls`; undefined
   * when the budget is spent or the crawl was stopped (the recording is then
   * judged as it is). The probe stays in flight under its new id.
   */
  again(probe: PlannedProbe): PlannedProbe | undefined {
    if (!this.inFlight.has(probe.id)) throw new RangeError(`probe ${probe.id} is not in flight`);
    if (this.stopped || this.callsUsed - this.earlierCalls >= this.limits.maxCalls) return undefined;
    this.inFlight.delete(probe.id);
    const p = { ...probe, id: this.nextId++ };
    this.callsUsed++;
    this.reprobes++;
    this.inFlight.add(p.id);
    return p;
  }

  /** Nothing in flight and nothing more to try (or no calls left). */
  get finished(): boolean {
    return (
      this.inFlight.size === 0 &&
      (this.queue.length === 0 || this.stopped || this.callsUsed - this.earlierCalls >= this.limits.maxCalls)
    );
  }

  /** Probes planned but not made (the call budget ran out, or the crawl was stopped). */
  get unexplored(): number {
    return this.queue.length;
  }

  /** The probes planned and not made, in order (what `--resume` goes on with). */
  get pending(): PlannerState['pending'] {
    return this.queue.filter((q) => q.node !== undefined).map((q) => ({ node: q.node!, action: q.action! }));
  }

  /** Make no more probes (the wall-clock limit, an interruption); those planned are kept as pending. */
  stop(): void {
    this.stopped = true;
  }

  report(probe: PlannedProbe, r: ProbeReport): void {
    this.inFlight.delete(probe.id);
    if ('failed' in r) {
      if (probe.node === undefined) this.entry = { said: [], outcome: 'failed', detail: r.failed };
      else {
        this.edges.push({ from: probe.node, action: probe.action!, said: [], outcome: 'failed', detail: r.failed });
        this.afterFirstKey(probe, 'failed');
      }
      return;
    }
    const path = probe.action ? [...probe.path, probe.action] : [];
    let outcome: CrawlEdge['outcome'];
    let to: string | undefined;
    let said = r.prompts;
    if (r.end === 'waiting' && r.prompts.length > 0) {
      const menuPrompt = r.prompts.at(-1)!;
      said = r.prompts.slice(0, -1);
      to = this.menuFor(menuPrompt, path).id;
      outcome = to === probe.node ? 'repeat' : 'menu';
    } else outcome = r.end === 'waiting' ? 'silence' : r.end;
    const detail = r.end === 'transfer' && r.transferTo ? { detail: r.transferTo } : {};
    if (probe.node === undefined) {
      this.entry = { said, outcome, ...(to ? { to } : {}), ...detail };
      return;
    }
    this.edges.push({ from: probe.node, action: probe.action!, said, outcome, ...(to ? { to } : {}), ...detail });
    this.afterFirstKey(probe, outcome);
  }

  /** The menu whose prompt is `prompt`: known, or new (and then planned). */
  private menuFor(prompt: string, path: readonly CrawlAction[]): CrawlNode {
    for (const n of this.nodes.values()) if (n.prompt === prompt) return n;
    const depth = path.length;
    const node: CrawlNode = {
      id: `n${this.nodes.size + 1}`,
      prompt,
      path,
      depth,
      kind: 'menu',
      truncated: depth >= this.limits.maxDepth,
    };
    this.nodes.set(node.id, node);
    if (!node.truncated) {
      const keys = this.limits.eager ? this.limits.keys : this.limits.keys.slice(0, 1);
      for (const k of keys) this.plan(node, { kind: 'keys', keys: k });
      this.plan(node, { kind: 'none' });
    }
    return node;
  }

  /** After the first key at a menu: the other keys, or the inputs where it collects several keys. */
  private afterFirstKey(probe: PlannedProbe, outcome: CrawlEdge['outcome']): void {
    const first = this.limits.keys[0]!;
    if (probe.action?.kind !== 'keys' || probe.action.keys !== first) return;
    const node = this.nodes.get(probe.node!)!;
    if (outcome === 'silence' && this.limits.inputs.length > 0) {
      node.kind = 'digits';
      for (const input of this.limits.inputs) this.plan(node, { kind: 'keys', keys: input });
      return;
    }
    if (!this.limits.eager) for (const k of this.limits.keys.slice(1)) this.plan(node, { kind: 'keys', keys: k });
  }

  private plan(node: CrawlNode, action: CrawlAction): void {
    const dup = this.queue.some((q) => q.node === node.id && q.action && sameAction(q.action, action));
    if (dup || this.edges.some((e) => e.from === node.id && sameAction(e.action, action))) return;
    this.queue.push({ id: this.nextId++, node: node.id, path: node.path, action });
  }

  /** One line per edge, for logs and tests: `n1 2 -> menu n2 (said p3)`. */
  describe(): string[] {
    return this.edges.map(
      (e) =>
        `${e.from} ${actionLabel(e.action)} -> ${e.outcome}${e.to ? ` ${e.to}` : ''}` +
        (e.said.length ? ` (said ${e.said.join(' ')})` : ''),
    );
  }
}
