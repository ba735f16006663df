/**
 * What an operator sees of a conference server: its rooms, who is in each,
 * who talks, and each participant's loss — as data (the status file, the
 * JSON of `shtoom serve conference --status`) and as text.
 */

export interface ParticipantStatus {
  readonly id: number;
  /** Who called (the From of the INVITE). */
  readonly from: string;
  readonly codec: string;
  readonly moderator: boolean;
  readonly muted: boolean;
  /** Heard in the mix now. */
  readonly talking: boolean;
  /** Seconds in the room. */
  readonly seconds: number;
  /** RTP packets received from the participant, and the share never received (RFC 3550 A.3), percent. */
  readonly packetsIn: number;
  readonly lossPercent: number;
  /** What the participant's RTCP says it lost of ours, percent, if it reports. */
  readonly remoteLossPercent?: number;
  /** Interarrival jitter, ms. */
  readonly jitterMs: number;
  /**
   * Frames the participant's jitter buffer made up (concealment: a packet
   * lost or not there in time) and packets that came after their turn; a
   * loss of 0 with many concealed frames is a late network or a late server.
   */
  readonly concealed?: number;
  readonly late?: number;
}

export interface RoomStatus {
  readonly name: string;
  /** The media worker the room runs in (`serve conference --workers N`). */
  readonly worker?: number;
  readonly locked: boolean;
  /** The room's recording, when recorded. */
  readonly recording?: string;
  /** When the room was opened (ISO 8601). */
  readonly since: string;
  readonly participants: readonly ParticipantStatus[];
  /** Who is heard now (their `from`). */
  readonly talkers: readonly string[];
}

export interface ConferenceStatus {
  /** When this was written (ISO 8601). */
  readonly updated: string;
  readonly pid: number;
  /** Where the server takes calls. */
  readonly listen: readonly string[];
  readonly capacity: number;
  readonly participants: number;
  readonly rooms: readonly RoomStatus[];
  /** On media workers: each worker's state, calls and restarts. */
  readonly workers?: readonly { readonly index: number; readonly state: string; readonly calls: number }[];
}

/**
 * A media worker's rooms as it reported them (JSON text): each room's
 * fields are checked; undefined when the text is not a list of rooms.
 */
export function roomsFromJson(json: string): RoomStatus[] | undefined {
  let x: unknown;
  try {
    x = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(x)) return undefined;
  const out: RoomStatus[] = [];
  for (const r of x as unknown[]) {
    if (typeof r !== 'object' || r === null) return undefined;
    const o = r as { [k: string]: unknown };
    const ok =
      typeof o.name === 'string' &&
      typeof o.locked === 'boolean' &&
      typeof o.since === 'string' &&
      (o.recording === undefined || typeof o.recording === 'string') &&
      Array.isArray(o.participants) &&
      o.participants.every(
        (p) => typeof p === 'object' && p !== null && typeof (p as { from?: unknown }).from === 'string',
      ) &&
      Array.isArray(o.talkers) &&
      o.talkers.every((t) => typeof t === 'string');
    if (!ok) return undefined;
    out.push(r as RoomStatus);
  }
  return out;
}

/** `1:02` or `1:02:03` for seconds. */
function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * The status as text, one block per room.
 *
 * @example
 * console.log(formatStatus(status, Date.now()));
 */
export function formatStatus(s: ConferenceStatus, nowMs: number): string {
  const age = Math.max(0, (nowMs - Date.parse(s.updated)) / 1000);
  const lines = [
    `conference server (pid ${s.pid}) on ${s.listen.join(', ')}: ${s.participants} participant(s) in ` +
      `${s.rooms.length} room(s), capacity ${s.capacity}; updated ${age.toFixed(1)} s ago`,
  ];
  if (s.workers)
    lines.push(`media workers: ${s.workers.map((w) => `${w.index} ${w.state} (${w.calls} call(s))`).join(', ')}`);
  for (const r of s.rooms) {
    const flags = [r.locked ? 'locked' : '', r.recording ? `recording to ${r.recording}` : ''].filter(Boolean);
    if (r.worker !== undefined) flags.push(`worker ${r.worker}`);
    lines.push(
      `${r.name}${flags.length ? ` (${flags.join(', ')})` : ''}: ${r.participants.length} participant(s); ` +
        `talking: ${r.talkers.length ? r.talkers.join(', ') : 'nobody'}`,
    );
    for (const p of r.participants) {
      const marks = [p.moderator ? 'moderator' : '', p.muted ? 'muted' : '', p.talking ? 'talking' : ''].filter(
        Boolean,
      );
      const remote = p.remoteLossPercent !== undefined ? `, ${p.remoteLossPercent.toFixed(1)} % of ours lost` : '';
      const playout = p.concealed ? `, ${p.concealed} frame(s) concealed (${p.late ?? 0} late)` : '';
      lines.push(
        `  ${String(p.id).padStart(3)}  ${p.from}  ${p.codec}  ${clock(p.seconds)}  ${p.packetsIn} packets in, ` +
          `${p.lossPercent.toFixed(1)} % lost${remote}, jitter ${p.jitterMs.toFixed(1)} ms${playout}` +
          `${marks.length ? `  [${marks.join(', ')}]` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
