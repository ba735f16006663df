/**
 * Strings that outlive the message they were read from.
 *
 * Header values are slices of the whole decoded header section, and keys
 * built from them (`branch|sent-by|method`) are concatenations that point
 * at those slices: kept for the 32 s a transaction lingers, each would keep
 * its whole message text alive. `own` makes a flat copy that refers to
 * nothing else.
 *
 * @example
 * transactions.set(own(`${branch}|${sentBy}|${method}`), tx);
 */
export function own(s: string): string {
  // Concatenation then slice makes V8 flatten into a new string that does not reference the message.
  return s.length === 0 ? '' : (' ' + s).slice(1);
}
