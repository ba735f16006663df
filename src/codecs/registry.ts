/**
 * The codec registry SDP negotiation reads: every codec shtoom speaks,
 * found by option id, by SDP encoding name (with clock rate and channels,
 * as an `a=rtpmap` line gives them) or by static RTP payload type; and the
 * codecs a call offers by default, in order of preference.
 *
 * A codec is registered (its encoder, decoder and SDP facts usable from
 * the library) before calls may use it: a call can take a codec only when
 * the media path runs at that codec's sample rate. The media path (jitter
 * buffer, PLC, recorder, devices) runs at the call's codec's rate — 8 kHz,
 * or 16 kHz for G.722 and Opus (`OPUS_16K`) — so `WIDEBAND_MEDIA` below is on.
 */
import { UsageError } from '../errors.js';
import type { Codec, CodecId } from './codec.js';
import { PCMA, PCMU } from './g711.js';
import { G722 } from './g722.js';
import { GSM } from './gsm.js';
import { OPUS_16K } from './opus.js';

/**
 * THE SWITCH for wideband calls. On: the default offer starts with G.722
 * and Opus, before G.711, and `--codec` may name them. A registry built
 * with `wideband: false` offers, accepts and may be asked for only 8 kHz
 * codecs, refusing G.722 and Opus by name with a usage error saying why.
 */
export const WIDEBAND_MEDIA = true;

/** Every codec, in shtoom's order of preference when calls can use them all. */
const PREFERENCE: readonly Codec[] = [G722, OPUS_16K, PCMU, PCMA, GSM];

export interface CodecRegistryOptions {
  /** Whether calls may use codecs whose sample rate is not 8 kHz. Default `WIDEBAND_MEDIA`. */
  readonly wideband?: boolean;
}

export class CodecRegistry {
  private readonly list: readonly Codec[];
  private readonly wideband: boolean;

  constructor(list: readonly Codec[], options: CodecRegistryOptions = {}) {
    this.list = [...list];
    this.wideband = options.wideband ?? WIDEBAND_MEDIA;
  }

  /** Every registered codec, usable in calls or not, in order of preference. */
  get known(): readonly Codec[] {
    return this.list;
  }

  /**
   * The codecs a call offers and accepts by default, in order of
   * preference: those calls can use here (see `refusal`).
   */
  get all(): readonly Codec[] {
    return this.list.filter((c) => this.refusal(c) === undefined);
  }

  /**
   * Why a call cannot use `codec` here — the media path's rate, or an
   * optional package that is missing — or undefined when it can.
   * @example narrowOnly.refusal(codecs.g722) // "g722: wideband calls are turned off here: …"
   */
  refusal(codec: Codec): string | undefined {
    if (!this.wideband && codec.sampleRate !== 8000) {
      const narrow = this.list.filter((c) => c.sampleRate === 8000).map((c) => c.id);
      return (
        `${codec.id}: wideband calls are turned off here: ${codec.name} is ${codec.sampleRate / 1000} kHz audio ` +
        `and this registry takes 8 kHz codecs only; use ${narrow.join(', ')}`
      );
    }
    const missing = codec.unavailable();
    return missing === undefined ? undefined : `${codec.id}: ${missing}`;
  }

  /**
   * By option id (`pcmu`, `pcma`, `gsm`, `g722`, `opus`; case-insensitive).
   * @example codecs.byId('gsm')?.payloadType === 3
   */
  byId(id: string): Codec | undefined {
    const want = id.toLowerCase();
    return this.list.find((c) => c.id === want);
  }

  /**
   * By SDP encoding name, RTP clock rate and channels (RFC 4566: names are
   * case-insensitive; `a=rtpmap:3 gsm/8000` finds GSM, `a=rtpmap:111
   * opus/48000/2` Opus).
   * @example codecs.byName('PCMA', 8000)?.id === 'pcma'
   */
  byName(name: string, clockRate = 8000, channels = 1): Codec | undefined {
    const want = name.toUpperCase();
    return this.list.find((c) => c.name.toUpperCase() === want && c.clockRate === clockRate && c.channels === channels);
  }

  /**
   * By static RTP payload type (RFC 3551 Table 4); a dynamic type (96–127)
   * means nothing without its `a=rtpmap` and finds nothing.
   * @example codecs.byPayloadType(0)?.name === 'PCMU'
   */
  byPayloadType(pt: number): Codec | undefined {
    return this.list.find((c) => !c.dynamicPayloadType && c.payloadType === pt);
  }

  /**
   * Codecs named in a list of ids (what `--codec pcmu,gsm` holds), in that
   * order; an unknown id, or one calls cannot use here (`refusal`), is a
   * `UsageError` naming it and saying why.
   * @example codecs.select(['gsm', 'pcmu']).map((c) => c.payloadType) // [3, 0]
   */
  select(ids: readonly string[]): Codec[] {
    return ids.map((id) => {
      const c = this.byId(id.trim());
      if (!c) throw new UsageError(`unknown codec "${id}"; known: ${this.all.map((k) => k.id).join(', ')}`);
      const refused = this.refusal(c);
      if (refused !== undefined) throw new UsageError(refused);
      return c;
    });
  }
}

/** shtoom's codecs: G.722, Opus, PCMU, PCMA and GSM, calls using those `refusal` allows. */
export const registry = new CodecRegistry(PREFERENCE);

/** Every codec id, usable in calls or not. */
export const ALL_CODEC_IDS: readonly CodecId[] = PREFERENCE.map((c) => c.id);

/** The ids of the codecs calls offer by default (`registry.all`), in shtoom's default order of preference. */
export const CODEC_IDS: readonly CodecId[] = registry.all.map((c) => c.id);

/**
 * The 8 kHz codecs calls offer by default (PCMU, PCMA, GSM): what a test
 * harness whose analysis runs at 8 kHz (an IVR scenario) offers unless told.
 */
export const NARROWBAND_CODEC_IDS: readonly CodecId[] = registry.all
  .filter((c) => c.sampleRate === 8000)
  .map((c) => c.id);
