/**
 * Making untrusted text (image names, titles, kernel command lines read from an ISO) safe
 * inside an iPXE script. iPXE's parser (core/exec.c) has no quoting and no escapes:
 * - a line is split on whitespace into tokens;
 * - a token starting with '#' starts a comment; a token that is exactly `||`, `&&` or `;` ends
 *   the command and starts another one (so "Rescue ; reboot" as an image name would reboot);
 * - after that split, `${…}` is expanded in every token, repeatedly, with no way to escape it;
 * - option parsing (getopt) stops at the first non-option argument.
 * Terminator and comment checks happen before expansion, so prefixing such a token with an
 * expansion of an unset setting (`${bc_nil}`, empty) keeps its text while defusing it.
 */

const NEUTRAL_PREFIX = '${bc_nil}';

function defuseToken(token: string): string {
  if (token === '||' || token === '&&' || token === ';' || token.startsWith('#')) return NEUTRAL_PREFIX + token;
  return token;
}

/** Breaks every `${` so iPXE cannot expand it (there is no escape: a space is the least harm). */
function breakExpansions(text: string): string {
  return text.replace(/\$\{/g, '$ {');
}

/**
 * Display text for `echo`, `menu`, `item`, `prompt`: ASCII only (BIOS text consoles show
 * UTF-8 as garbage), one line, no expansions, no terminators. Never starts with '-', so it
 * cannot be taken for an option when it follows a command directly.
 */
export function ipxeText(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[^\x20-\x7e\s]/g, '?');
  const tokens = breakExpansions(ascii)
    .split(/\s+/)
    .filter((t) => t !== '')
    .map(defuseToken);
  if (tokens.length === 0) return '(unnamed)';
  if (tokens[0]!.startsWith('-')) tokens[0] = NEUTRAL_PREFIX + tokens[0];
  return tokens.join(' ');
}

/**
 * A kernel command line as arguments after the kernel URL. iPXE re-joins the tokens with
 * single spaces, so quoting like `a="b c"` survives; runs of spaces collapse, which the kernel
 * does not care about. `${` cannot be represented and is broken apart (recipes drop unresolved
 * variables before they get here).
 */
export function ipxeArgs(cmdline: string): string {
  return breakExpansions(cmdline.replace(/[\0-\x1f\x7f]/g, ' '))
    .split(/\s+/)
    .filter((t) => t !== '')
    .map(defuseToken)
    .join(' ');
}

/** An iPXE URL token: our URLs are percent-encoded already; this rejects anything that is not. */
export function ipxeUrl(url: string): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[\x21-\x7e]+$/.test(url) || url.includes('${') || url.includes('#')) {
    throw new RangeError(`not a safe iPXE URL token: ${JSON.stringify(url)}`);
  }
  return url;
}
