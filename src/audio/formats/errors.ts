/**
 * Errors of the audio file formats. A file shtoom cannot read is the user's
 * to fix (another file, another encoding), so each is a `UsageError`: the CLI
 * prints its one line and exits 2. Tests check the class, not the message.
 */
import { UsageError } from '../../errors.js';

/** A file is not what its format says it is (bad RIFF structure, truncated header, bad frame). */
export class MalformedAudioFileError extends UsageError {}

/** A well-formed file in an encoding shtoom does not read (e.g. ADPCM in WAV); the message names it. */
export class UnsupportedAudioEncodingError extends UsageError {
  constructor(
    message: string,
    /** What the file holds, e.g. "IMA ADPCM (format tag 0x0011)". */
    readonly encoding: string,
  ) {
    super(message);
  }
}

/** A file cannot be opened, read or written (missing, a directory, no permission). */
export class AudioFileAccessError extends UsageError {}

/** A short reason for a failed file operation: "no such file", "permission denied", … */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return e?.message ?? String(err);
  }
}
