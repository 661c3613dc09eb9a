// For the dashboard tests: Debian's chromium driven by playwright-core, and the page checks that run inside it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';

const CHROMIUM = process.env.CORREMBED_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CORREMBED_CHROMIUM`);
  // As root chromium refuses its sandbox; the pages it opens here are the test's own.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Form controls without an accessible name (a <label>, aria-label or aria-labelledby). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.$$eval('input, select, textarea, button', (controls) =>
    controls
      .filter((c) => {
        const control = c as HTMLInputElement;
        const named =
          (control.labels?.length ?? 0) > 0 ||
          control.getAttribute('aria-label') ||
          control.getAttribute('aria-labelledby') ||
          control.getAttribute('title');
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
      const parts = m[1]
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
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
      if (ratio < (large ? 3 : 4.5))
        failures.push(
          `${element.tagName.toLowerCase()}.${element.className} "${(element.textContent ?? '').trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`,
        );
    }
    return failures;
  });
}

/**
 * Elements whose box reaches outside [0, width] of the page (phone width forcing sideways scrolling), hidden ones too,
 * unless an ancestor that clips them (overflow other than visible, on their containing-block chain) keeps them inside
 * its own scroll box. Measured against the width asked for: under phone emulation the layout viewport grows to the
 * content, so scrollWidth against innerWidth never fails.
 */
export function elementsOutside(page: Page, width: number): Promise<string[]> {
  return page.evaluate((viewport) => {
    const clipping = (element: Element) => getComputedStyle(element).overflowX !== 'visible';
    const containingBlock = (element: Element): Element | null => {
      const position = getComputedStyle(element).position;
      if (position === 'fixed') return null;
      let parent = element.parentElement;
      if (position === 'absolute') while (parent && getComputedStyle(parent).position === 'static') parent = parent.parentElement;
      return parent;
    };
    const clipped = (element: Element): boolean => {
      for (
        let block = containingBlock(element);
        block && block !== document.body && block !== document.documentElement;
        block = containingBlock(block)
      ) {
        if (clipping(block)) return true;
      }
      return false;
    };
    const outside: string[] = [];
    for (const element of document.body.querySelectorAll('*')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const [left, right] = [box.left + window.scrollX, box.right + window.scrollX];
      if ((left < -1 || right > viewport + 1) && !clipped(element)) {
        outside.push(
          `${element.tagName.toLowerCase()}.${element.getAttribute('class') ?? ''} "${(element.textContent ?? '').trim().slice(0, 30)}" ${Math.round(left)}-${Math.round(right)}px`,
        );
      }
    }
    return outside;
  }, width);
}

/** Headers of a table that its scroll box hides (outside the box's visible width). */
export function hiddenColumnHeaders(page: Page, table: string): Promise<string[]> {
  return page.$$eval(`${table} thead th`, (headers) => {
    const box = (headers[0].closest('.table-scroll') ?? headers[0].closest('table')!).getBoundingClientRect();
    return headers.filter((th) => th.getBoundingClientRect().right > box.right + 1).map((th) => (th.textContent ?? '').trim());
  });
}

/** A GraphQL request as the page sent it: its operation name and variables. */
export interface SentOperation {
  operation: string;
  variables: Record<string, unknown>;
}

export interface HeldAnswers {
  /** Resolves when the first matching request has arrived (and is being held). */
  arrived: Promise<void>;
  /** Lets the held answers through (to a page that may have aborted them), then gives the page time to draw them. */
  release(): Promise<void>;
}

/**
 * Holds the real answers to the page's GraphQL requests that match until released: a slow answer to an earlier
 * choice, arriving after the answer to a later one.
 */
export async function holdAnswers(page: Page, matches: (sent: SentOperation) => boolean): Promise<HeldAnswers> {
  let arrive!: () => void;
  let open!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (open = resolve));
  const delivered: Promise<unknown>[] = [];
  const handler = async (route: Route): Promise<void> => {
    const body = route.request().postDataJSON() as { query?: string; variables?: Record<string, unknown> } | null;
    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(body?.query ?? '')?.[1] ?? '';
    if (!matches({ operation, variables: body?.variables ?? {} })) return route.fallback();
    const answer = route.fetch();
    arrive();
    const delivery = released.then(async () => route.fulfill({ response: await answer })).catch(() => undefined); // aborted by the page
    delivered.push(delivery);
    await delivery;
  };
  await page.route('**/graphql', handler);
  return {
    arrived,
    async release() {
      open();
      await Promise.all(delivered);
      await page.unroute('**/graphql', handler);
      await page.waitForTimeout(300);
    },
  };
}
