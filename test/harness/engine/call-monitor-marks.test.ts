/**
 * The call monitor keeps what the receiver said of its frames: concealed
 * and inserted frames as spans, a drop as a span at the seam as long as
 * the audio dropped, and an underrun found to be a loss as `lost` then
 * `stretch` frames before the frame that came back, and as a stall.
 */
import { describe, expect, it } from 'vitest';
import type { AudioEvent } from '../../../src/harness/call-port.js';
import { CallMonitor } from '../../../src/harness/engine/call-monitor.js';

const frame = (index: number, marks: Partial<AudioEvent> = {}): AudioEvent => ({
  type: 'audio',
  at: index * 20,
  index,
  frame: new Int16Array(160),
  ...marks,
});

describe('CallMonitor marks', () => {
  it('keeps drops at the seam, concealment, and an underrun found to be a loss', () => {
    const m = new CallMonitor(0);
    for (let i = 0; i < 60; i++) {
      const marks: Partial<AudioEvent> =
        i === 3
          ? { dropped: 2 }
          : i >= 10 && i < 15
            ? { concealed: 'lost' }
            : i === 40
              ? { underrun: { lost: 5, inserted: 20 } }
              : i === 50
                ? { dropped: 1 }
                : {};
      m.onEvent(frame(i, marks));
    }
    expect(m.concealed).toEqual([
      { start: 3 * 160, end: 5 * 160, kind: 'dropped' },
      { start: 10 * 160, end: 20 * 160, kind: 'lost' },
      { start: 20 * 160, end: 40 * 160, kind: 'stretch' },
      { start: 50 * 160, end: 51 * 160, kind: 'dropped' },
    ]);
    expect(m.stalls).toEqual([{ start: 15 * 160, end: 40 * 160 }]);
  });

  it('marks nothing on frames heard as they came', () => {
    const m = new CallMonitor(0);
    for (let i = 0; i < 20; i++) m.onEvent(frame(i));
    expect(m.concealed).toEqual([]);
    expect(m.stalls).toEqual([]);
  });
});
