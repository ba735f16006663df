/**
 * The codec registry SDP negotiation reads: every codec shtoom speaks,
 * found by option id, by SDP encoding name (with clock rate and channels,
 * as an `a=rtpmap` line gives them) or by static RTP payload type.
 */
import { UsageError } from '../errors.js';
import type { Codec, CodecId } from './codec.js';
import { PCMA, PCMU } from './g711.js';
import { GSM } from './gsm.js';

/** Every codec id, in shtoom's default order of preference. */
export const CODEC_IDS: readonly CodecId[] = ['pcmu', 'pcma', 'gsm'];

export class CodecRegistry {
  private readonly list: readonly Codec[];

  constructor(list: readonly Codec[]) {
    this.list = [...list];
  }

  /** All codecs, in order of preference. */
  get all(): readonly Codec[] {
    return this.list;
  }

  /**
   * By option id (`pcmu`, `pcma`, `gsm`; case-insensitive).
   * @example codecs.byId('gsm')?.payloadType === 3
   */
  byId(id: string): Codec | undefined {
    const want = id.toLowerCase();
    return this.list.find((c) => c.id === want);
  }

  /**
   * By SDP encoding name, clock rate and channels (RFC 4566: names are
   * case-insensitive; `a=rtpmap:3 gsm/8000` finds GSM).
   * @example codecs.byName('PCMA', 8000)?.id === 'pcma'
   */
  byName(name: string, clockRate = 8000, channels = 1): Codec | undefined {
    const want = name.toUpperCase();
    return this.list.find((c) => c.name === want && c.clockRate === clockRate && c.channels === channels);
  }

  /**
   * By static RTP payload type (RFC 3551 Table 4).
   * @example codecs.byPayloadType(0)?.name === 'PCMU'
   */
  byPayloadType(pt: number): Codec | undefined {
    return this.list.find((c) => c.payloadType === pt);
  }

  /**
   * Codecs named in a list of ids (what `--codec pcmu,gsm` holds), in that
   * order; an unknown id is a `UsageError` naming it and the known ones.
   * @example codecs.select(['gsm', 'pcmu']).map((c) => c.payloadType) // [3, 0]
   */
  select(ids: readonly string[]): Codec[] {
    return ids.map((id) => {
      const c = this.byId(id.trim());
      if (!c) throw new UsageError(`unknown codec "${id}"; known: ${this.list.map((k) => k.id).join(', ')}`);
      return c;
    });
  }
}

/** shtoom's codecs: PCMU, PCMA and GSM. */
export const registry = new CodecRegistry([PCMU, PCMA, GSM]);
