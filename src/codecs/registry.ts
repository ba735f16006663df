/**
 * The codec registry SDP negotiation reads: every codec shtoom speaks,
 * found by option id, by SDP encoding name (with clock rate and channels,
 * as an `a=rtpmap` line gives them) or by static RTP payload type; and the
 * codecs a call offers by default, in order of preference.
 *
 * A codec is registered (its encoder, decoder and SDP facts usable from
 * the library) before calls may use it: a call can take a codec only when
 * the media path runs at that codec's sample rate. The media path (jitter
 * buffer, mixer, recorder, devices, analyzer) is 8 kHz today, so G.722 and
 * Opus stay out of calls until `WIDEBAND_MEDIA` below is turned on.
 */
import { UsageError } from '../errors.js';
import type { Codec, CodecId } from './codec.js';
import { PCMA, PCMU } from './g711.js';
import { G722 } from './g722.js';
import { GSM } from './gsm.js';
import { OPUS } from './opus.js';

/**
 * THE SWITCH for wideband calls. While false, calls offer, accept and may
 * be asked for (`--codec`, `codecs` options) only 8 kHz codecs; G.722 and
 * Opus are refused by name with a usage error saying why. Turn it on
 * together with the audio path that runs at 16 and 48 kHz: the default
 * offer then starts with G.722 and Opus, before G.711.
 */
export const WIDEBAND_MEDIA = false;

/** Every codec, in shtoom's order of preference when calls can use them all. */
const PREFERENCE: readonly Codec[] = [G722, OPUS, PCMU, PCMA, GSM];

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
   * @example codecs.refusal(codecs.g722) // "g722: wideband calls are not supported yet: …"
   */
  refusal(codec: Codec): string | undefined {
    if (!this.wideband && codec.sampleRate !== 8000) {
      const narrow = this.list.filter((c) => c.sampleRate === 8000).map((c) => c.id);
      return (
        `${codec.id}: wideband calls are not supported yet: ${codec.name} is ${codec.sampleRate / 1000} kHz audio ` +
        `and shtoom's media path runs at 8 kHz only; use ${narrow.join(', ')}`
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
