// Times a UI step inside the page (h18ui, #18): from the user's event (seen in the capture phase, so before any
// handler) to the animation frame in which each awaited selector first matches. A MutationObserver checks the
// selectors on every DOM change, so the mark is the DOM's own moment, not when Playwright's polling (20 ms … 500 ms
// apart, and delayed behind long tasks) happens to look.
import type { Page } from 'playwright-core';

interface UiClock {
  start: number | null;
  type: string;
  waits: { selector: string; at: number | null }[];
}

/** Once per page load: the capture listeners and the observer (the page's state lives on window.__uiClock). */
export async function installUiClock(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __uiClock: UiClock };
    w.__uiClock = { start: null, type: '', waits: [] };
    const check = () => {
      const c = w.__uiClock;
      if (c.start === null) return;
      for (const wait of c.waits) {
        if (wait.at !== null || !document.querySelector(wait.selector)) continue;
        wait.at = -1; // seen; the time is the frame that shows it
        requestAnimationFrame(() => (wait.at = performance.now()));
      }
    };
    for (const type of ['click', 'input', 'keydown']) {
      document.addEventListener(type, (e) => {
        const c = w.__uiClock;
        if (c.type === type && c.start === null) {
          c.start = e.timeStamp;
          queueMicrotask(check);
        }
      }, true);
    }
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

/** Milliseconds from the next `type` event that `act` causes to the frame holding each selector, in order. */
export async function timeUi(page: Page, type: 'click' | 'input' | 'keydown', selectors: string[], act: () => Promise<unknown>, timeoutMs = 120_000): Promise<number[]> {
  await page.evaluate(
    ([t, sel]) => {
      (window as unknown as { __uiClock: UiClock }).__uiClock = Object.assign((window as unknown as { __uiClock: UiClock }).__uiClock, { start: null, type: t, waits: sel.map((s) => ({ selector: s, at: null })) });
    },
    [type, selectors] as const,
  );
  await act();
  await page.waitForFunction(() => (window as unknown as { __uiClock: UiClock }).__uiClock.waits.every((w) => w.at !== null && w.at >= 0), undefined, { timeout: timeoutMs });
  const c = await page.evaluate(() => (window as unknown as { __uiClock: UiClock }).__uiClock);
  return c.waits.map((w) => w.at! - c.start!);
}
