/**
 * Headless Chromium (Debian's `chromium`) driven by playwright-core, for the
 * HTML report test: a fresh profile directory per launch, removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireBinary } from './peers.js';

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = requireBinary('chromium');
  const profile = mkdtempSync(join(tmpdir(), 'shtoom-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What one `<audio>` of a page loaded. */
export interface PlayerState {
  readonly src: string | null;
  /** HTMLMediaElement.readyState: 1 or more once its metadata was read. */
  readonly ready: number;
  /** Seconds. */
  readonly duration: number;
  /** MediaError code, 0 when none. */
  readonly error: number;
}

/** Make every `<audio>` of the page load its metadata (or fail), then say what each got. */
export function audioPlayers(tab: Page): Promise<PlayerState[]> {
  // The page's DOM (the project compiles without DOM types).
  return tab.evaluate(async () => {
    interface AudioElement {
      readyState: number;
      duration: number;
      error: { code: number } | null;
      getAttribute(name: string): string | null;
      addEventListener(type: string, fn: () => void, options: { once: boolean }): void;
      load(): void;
    }
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<AudioElement> } })
      .document;
    const els = Array.from(doc.querySelectorAll('audio'));
    await Promise.all(
      els.map((a) =>
        a.readyState >= 1
          ? undefined
          : new Promise<void>((resolve) => {
              a.addEventListener('loadedmetadata', () => resolve(), { once: true });
              a.addEventListener('error', () => resolve(), { once: true });
              a.load();
            }),
      ),
    );
    return els.map((a) => ({
      src: a.getAttribute('src'),
      ready: a.readyState,
      duration: a.duration,
      error: a.error?.code ?? 0,
    }));
  });
}
