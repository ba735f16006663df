/**
 * ALSA devices for machines without a sound card, built from ALSA's own
 * plugins (no kernel module): a test writes this configuration into its
 * temporary directory and points ALSA_CONFIG_PATH at it, as the only
 * configuration, so device lists are short and the same everywhere.
 *
 * - `shtoom_null`: the `null` plugin; swallows playback, captures silence.
 *   It has no clock: streams on it run as fast as the CPU.
 * - `shtoom_out`: playback written raw (the stream's own format) to the
 *   file named by $SHTOOM_ALSA_OUT.
 * - `shtoom_in`: capture read raw from $SHTOOM_ALSA_IN (which must exist and
 *   hold data in the stream's format; past its end the plugin repeats stale
 *   data, so make it longer than what the test reads). A `file` pcm also
 *   writes what it captures to its `file`, so that goes to /dev/null.
 * - `shtoom`: playback to shtoom_out, capture from shtoom_in (`asym`).
 * - `shtoom_plug`: `shtoom` behind `plug`, for any format and rate.
 * - `shtoom_out48`: playback converted by ALSA to 48 kHz stereo before
 *   shtoom_out, for a device that only takes CD-style formats.
 * - `default`: `shtoom`.
 *
 * For PulseAudio, `pulseAlsaConfig()` routes `default` to the `pulse` plugin
 * (Debian's libasound2-plugins) instead.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HEADLESS = `# shtoom test devices: file-backed ALSA PCMs, no sound card needed.
pcm.shtoom_null {
  type null
  hint { show on description "shtoom: discard / silence" }
}
pcm.shtoom_out {
  type file
  slave.pcm "shtoom_null"
  file { @func getenv vars [ SHTOOM_ALSA_OUT ] default "/dev/null" }
  format "raw"
  perm 0644
  hint { show on description "shtoom: playback to $SHTOOM_ALSA_OUT" }
}
pcm.shtoom_in {
  type file
  slave.pcm "shtoom_null"
  file "/dev/null"
  infile { @func getenv vars [ SHTOOM_ALSA_IN ] default "/dev/null" }
  format "raw"
  hint { show on description "shtoom: capture from $SHTOOM_ALSA_IN" }
}
pcm.shtoom {
  type asym
  playback.pcm "shtoom_out"
  capture.pcm "shtoom_in"
  hint { show on description "shtoom: file duplex" }
}
pcm.shtoom_plug {
  type plug
  slave.pcm "shtoom"
  hint { show on description "shtoom: file duplex, any format" }
}
pcm.shtoom_out48 {
  type plug
  slave { pcm "shtoom_out" rate 48000 channels 2 format S16_LE }
  hint { show on description "shtoom: playback as 48 kHz stereo" }
}
pcm.!default "shtoom"
`;

/** Write the headless configuration into `dir`; returns its path (for ALSA_CONFIG_PATH). */
export function headlessAlsaConfig(dir: string): string {
  const path = join(dir, 'asoundrc');
  writeFileSync(path, HEADLESS);
  return path;
}

/** A configuration whose `default` is the PulseAudio plugin (the server from PULSE_SERVER / XDG_RUNTIME_DIR). */
export function pulseAlsaConfig(dir: string): string {
  const path = join(dir, 'asoundrc-pulse');
  writeFileSync(
    path,
    `# shtoom tests: ALSA clients reach the test's own PulseAudio server.
pcm.!default { type pulse hint { show on description "shtoom: PulseAudio" } }
ctl.!default { type pulse }
`,
  );
  return path;
}
