/**
 * What each terminal of the console prints, as plain functions of the lab's facts: the ISP
 * box's readout (describeEvent, one line per interceptor event), a client's view of a step,
 * and the sites' view. ANSI colours follow the CLI's narration: red = the state read it,
 * green = refused, cyan = untouched.
 */
import type { StepRun } from '../clients/step-run.ts';
import { explainCause } from '../clients/refusal.ts';
import { describeEvent } from '../interceptor/describe-event.ts';
import type { InterceptorEvent } from '../interceptor/events.ts';
import type { AttemptOutcome } from '../scenario/outcomes.ts';
import type { Outcome } from '../scenario/schema.ts';

const red = (s: string) => `\x1b[1;31m${s}\x1b[0m`;
const green = (s: string) => `\x1b[1;32m${s}\x1b[0m`;
const cyan = (s: string) => `\x1b[36m${s}\x1b[0m`;
const yellow = (s: string) => `\x1b[33m${s}\x1b[0m`;
const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;

const magenta = (s: string) => `\x1b[1;35m${s}\x1b[0m`;

function colourOutcome(o: Outcome, s: string): string {
  return o === 'exposed' ? red(s) : o === 'refused' ? green(s) : o === 'blocked' ? magenta(s) : cyan(s);
}

/** The heading every terminal prints when a step starts. */
export function stepHeading(index: number, title: string): string {
  return bold(`── ${index + 1}. ${title} ──`);
}

/** The ISP box's terminal: one line per interceptor event, what it read in red. */
export function ispLine(e: InterceptorEvent): string | null {
  const text = describeEvent(e);
  if (text === null) return null;
  switch (e.type) {
    case 'capture':
      return `${e.line ? yellow(`[${e.line}] `) : ''}${e.kind === 'credential' || e.kind === 'ws-message' || e.kind === 'cookie' ? red(text) : text}`;
    case 'connection':
      return `${e.line ? yellow(`[${e.line}] `) : ''}${e.decision === 'intercept' ? text : dim(text)}`;
    case 'forged':
      return yellow(text);
    case 'client-tls-failed':
      return green(text);
    default:
      return dim(text);
  }
}

/**
 * The sites' terminal. The Lab interface does not expose the sites' own access logs
 * (RunningSite.onAccess), so this is what reached each site as the box records it: who
 * connected to it and, when the box forwarded a request it had read, that request.
 */
export function siteLine(e: InterceptorEvent, isSite: (name: string) => boolean): string | null {
  if (e.type === 'connection' && e.destinationName && isSite(e.destinationName)) {
    const site = bold(e.destinationName.padEnd(15));
    const who = e.line ?? e.client.address;
    if (e.decision === 'block') return `${site} ${magenta(`never reached: the box reset ${who}'s connection (the name is blocked)`)}`;
    if (e.protocol === 'http') return `${site} plain HTTP from ${who} via the ISP box ${dim('(the box reads every byte)')}`;
    switch (e.decision) {
      case 'intercept':
        return `${site} TLS from the ISP box, standing in for ${who} (the box holds the keys of both halves)`;
      case 'pass':
        return `${site} TLS from ${who}, spliced through the ISP box ${cyan('(end to end: the box cannot read it)')}`;
      case 'install-page':
        return `${site} ${dim(`never reached: the box answered ${who}'s plain HTTP itself with the install page`)}`;
      case 'refused':
        return `${site} ${dim(`never reached: the box refused the connection (${e.reason})`)}`;
    }
    return null;
  }
  // Plain-HTTP requests to targeted names never reach the site (the box answers with the
  // install page), so only HTTPS requests the box relayed count as served.
  if (e.type === 'capture' && e.kind === 'url' && isSite(e.site) && e.value.includes(' https://')) {
    return `${bold(e.site.padEnd(15))} served ${e.value}${e.line ? dim(` (for ${e.line}, relayed by the box)`) : ''}`;
  }
  return null;
}

/** A client's terminal after it ran a step: what the person saw, the issuer, the refusal. */
export function clientLines(run: StepRun, outcomes: AttemptOutcome[], worst: AttemptOutcome | null): string[] {
  const out: string[] = [];
  const outcome = worst?.outcome ?? 'untouched';
  out.push(`${colourOutcome(outcome, outcome.toUpperCase())} ${run.summary}`);
  const shown = run.attempts.find((a, i) => a.issuer && outcomes[i]?.outcome === outcome) ?? run.attempts.find((a) => a.issuer);
  if (shown?.issuer) out.push(`  certificate issued by "${shown.issuer}"`);
  if (outcome === 'refused' && worst?.cause) {
    out.push(`  ${green(`${worst.cause}: ${explainCause(worst.cause)}`)}`);
    if (worst.error) out.push(`  ${dim(`the client said: ${worst.error}`)}`);
  }
  if (outcome === 'exposed') out.push(`  ${red(worst?.why ?? '')}`);
  if (outcome === 'untouched' && worst) out.push(`  ${cyan(worst.why)}`);
  return out;
}
