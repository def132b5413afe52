import { ansi, type Style } from '../scenario/narrate.ts';

/**
 * Colour for a terminal only, and never when NO_COLOR is set to anything (https://no-color.org);
 * FORCE_COLOR=1 asks for it in a pipe (a CI log that renders ANSI).
 */
export function colours(stream: NodeJS.WriteStream): Style | undefined {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return undefined;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return ansi;
  return stream.isTTY ? ansi : undefined;
}
