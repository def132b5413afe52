/**
 * What a person sees when Chromium will not show a page: the certificate interstitial
 * ("Your connection is not private") or the network error page ("This site can't be
 * reached"), read from the page's own DOM. Whether the warning can be clicked through is read
 * from the DOM too: Chromium only renders `#proceed-link` when the error is overridable
 * (components/security_interstitials/core/ssl_error_ui.cc: not for HSTS hosts, not for a
 * revoked or blocked chain).
 */
import type { Page } from 'playwright-core';

export interface ErrorPage {
  kind: 'certificate-warning' | 'network-error';
  /** Chromium's code as shown on the page, always with the net:: prefix. */
  code: string;
  /** The heading, e.g. "Your connection is not private". */
  heading: string;
  /** The heading and its first paragraph, in one line: what the person reads. */
  message: string;
  /** The text behind "Advanced": says why there is no way through (HSTS, revoked). */
  details: string;
  /** "Proceed to bank.example (unsafe)" is offered. */
  canProceed: boolean;
  /** Issuer common name of the certificate Chromium was shown (from the interstitial's debugging info). */
  issuer: string | null;
}

interface RawErrorPage {
  interstitial: boolean;
  code: string;
  heading: string;
  paragraph: string;
  details: string;
  proceed: boolean;
  debugging: string;
}

/**
 * Runs in the error page. A string, not a function: the TypeScript loader (esbuild keepNames)
 * would wrap named inner functions in a `__name` helper the page does not have.
 */
const READ_ERROR_PAGE = `(() => {
  const text = (selector) => (document.querySelector(selector)?.textContent ?? '').replace(/\\s+/g, ' ').trim();
  return {
    interstitial: document.querySelector('#details-button') !== null && document.querySelector('#main-frame-error') === null,
    code: text('#error-code') || text('.error-code'),
    heading: text('#main-message h1'),
    paragraph: text('#main-message p'),
    details: text('#details'),
    proceed: document.querySelector('#proceed-link') !== null,
    debugging: text('#error-debugging-info'),
  };
})()`;

/** True when the tab shows one of Chromium's error pages rather than a site. */
function isErrorPage(page: Page): boolean {
  return page.url().startsWith('chrome-error://');
}

/**
 * Reads the error page the tab shows, or null when it shows a site. After a failed navigation
 * (`loadFailed`) the error page commits a moment later, so wait for it to render.
 */
export async function readErrorPage(page: Page, loadFailed: boolean, timeoutMs = 10_000): Promise<ErrorPage | null> {
  if (!loadFailed && !isErrorPage(page)) return null;
  const rendered = await page.waitForSelector('#main-message', { timeout: timeoutMs }).then(
    () => true,
    () => false,
  );
  if (!rendered) return null;
  const raw = await page.evaluate<RawErrorPage>(READ_ERROR_PAGE);
  const code = raw.code.startsWith('net::') ? raw.code : raw.code ? `net::${raw.code}` : 'net::ERR_FAILED';
  const issuer = /Issuer:\s*(.+?)\s*Expires on:/.exec(raw.debugging)?.[1] ?? null;
  return {
    kind: raw.interstitial ? 'certificate-warning' : 'network-error',
    code,
    heading: raw.heading,
    message: [raw.heading, raw.paragraph]
      .filter(Boolean)
      .join(': ')
      .replace(/ Learn more about this warning$/, ''),
    details: raw.details,
    canProceed: raw.proceed,
    issuer,
  };
}

/** Why the warning has no way through, in the browser's own words, when it says. */
export function whyNoWayThrough(e: ErrorPage): string | null {
  if (e.canProceed || e.kind !== 'certificate-warning') return null;
  const sentence = /You cannot visit \S+ right now because .+?\.(?=\s|$)/.exec(e.details)?.[0];
  return sentence ?? 'Chromium offers no way to proceed';
}
