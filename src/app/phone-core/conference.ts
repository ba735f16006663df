/**
 * The phone's ad-hoc conference engine: what mixes the microphone and the
 * joined calls, one 20 ms frame at a time. The interface is the seed's
 * mixer's (`ConferenceMixer`: each participant hears the others, never
 * itself), so the room engine of `serve conference` can take its place
 * without the router changing.
 */
import { ConferenceMixer } from '../../audio/dsp/conference-mixer.js';

export interface ConferenceEngine {
  /** Mix one frame of every participant (`inputs[i]`: participant i's 160 samples). */
  mix(inputs: readonly Int16Array[]): void;
  /** What participant i hears from the last mix (valid until the next). */
  output(i: number): Int16Array;
}

/**
 * The default engine: the four loudest at unity gain (a small conference
 * is heard as loud as a call; sums that overflow saturate, never wrap).
 *
 * @example
 * const engine = mixerConference();
 * engine.mix([mic, bob, carol]);
 * speaker.write(engine.output(0));   // Bob and Carol
 */
export function mixerConference(): ConferenceEngine {
  return new ConferenceMixer({ loudest: 4, gain: 1 });
}
