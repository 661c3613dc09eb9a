// For the dashboard tests: Debian's chromium driven by playwright-core, and the page checks that run inside it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CORREMBED_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CORREMBED_CHROMIUM`);
  // As root chromium refuses its sandbox; the pages it opens here are the test's own.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Form controls without an accessible name (a <label>, aria-label or aria-labelledby). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.$$eval('input, select, textarea, button', (controls) =>
    controls
      .filter((c) => {
        const control = c as HTMLInputElement;
        const named = (control.labels?.length ?? 0) > 0 || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby') || control.getAttribute('title');
        const text = c.tagName === 'BUTTON' && (c.textContent ?? '').trim() !== '';
        return !named && !text;
      })
      .map((c) => c.outerHTML.slice(0, 120)),
  );
}

/**
 * Text whose contrast against its effective background is below WCAG AA (4.5:1; 3:1 for large text): every visible
 * HTML element with its own text, the background taken from the nearest ancestor with an opaque one.
 */
export function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgb = (colour: string): number[] | null => {
      const m = /rgba?\(([^)]+)\)/.exec(colour);
      if (!m) return null;
      const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return parts.length === 4 && parts[3] < 1 ? null : parts.slice(0, 3);
    };
    const luminance = (c: number[]) => {
      const [r, g, b] = c.map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (element: Element | null): number[] => {
      for (let e = element; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c) return c;
      }
      return [255, 255, 255];
    };
    const failures: string[] = [];
    for (const element of document.body.querySelectorAll('*')) {
      if (element instanceof SVGElement || !(element instanceof HTMLElement)) continue;
      const ownText = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      if (!ownText || element.offsetParent === null || element.closest('.visually-hidden, .skip-link, option')) continue;
      const style = getComputedStyle(element);
      const fg = rgb(style.color);
      if (!fg) continue;
      const [l1, l2] = [luminance(fg), luminance(background(element))];
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${element.tagName.toLowerCase()}.${element.className} "${(element.textContent ?? '').trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
    }
    return failures;
  });
}

/** True when the page is wider than the viewport (content that forces sideways scrolling of the whole page). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}
