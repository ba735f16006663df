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
}

export interface RoomStatus {
  readonly name: string;
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
  for (const r of s.rooms) {
    const flags = [r.locked ? 'locked' : '', r.recording ? `recording to ${r.recording}` : ''].filter(Boolean);
    lines.push(
      `${r.name}${flags.length ? ` (${flags.join(', ')})` : ''}: ${r.participants.length} participant(s); ` +
        `talking: ${r.talkers.length ? r.talkers.join(', ') : 'nobody'}`,
    );
    for (const p of r.participants) {
      const marks = [p.moderator ? 'moderator' : '', p.muted ? 'muted' : '', p.talking ? 'talking' : ''].filter(
        Boolean,
      );
      const remote = p.remoteLossPercent !== undefined ? `, ${p.remoteLossPercent.toFixed(1)} % of ours lost` : '';
      lines.push(
        `  ${String(p.id).padStart(3)}  ${p.from}  ${p.codec}  ${clock(p.seconds)}  ${p.packetsIn} packets in, ` +
          `${p.lossPercent.toFixed(1)} % lost${remote}, jitter ${p.jitterMs.toFixed(1)} ms` +
          `${marks.length ? `  [${marks.join(', ')}]` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
