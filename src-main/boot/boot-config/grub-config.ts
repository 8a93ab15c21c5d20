import { type BootEntry, type ConfigReader, type ParsedConfig, dirname, extractInitrdArgs, looksLikeTool, resolveImagePath } from './boot-entry.ts';

/**
 * GRUB 2 configs, read the way GRUB's script lexer splits them (words, 'single' and "double"
 * quotes, backslash escapes, `$var`/`${var}` expansion, `{ }` blocks, ';' and newlines), but
 * only as far as finding boot entries: `set` assignments are tracked; conditions are not
 * evaluated (both branches are read, later assignments win); `source`/`configfile` files are
 * read in place; functions are skipped; unknown commands are ignored.
 */

interface Word {
  text: string;
}
type Token = Word | '{' | '}' | ';';

export interface GrubOptions {
  maxDepth?: number;
}

export async function parseGrubConfig(read: ConfigReader, configPath: string, opts: GrubOptions = {}): Promise<ParsedConfig> {
  const maxDepth = opts.maxDepth ?? 4;
  const warnings: string[] = [];
  const entries: Array<BootEntry & { id?: string; topIndex: number; path: string }> = [];
  const vars = new Map<string, string>([
    ['prefix', dirname(configPath)],
    ['root', ''],
    ['grub_platform', 'pc'],
  ]);
  const visited = new Set<string>();
  let topIndex = 0;
  let defaultValue: string | undefined;

  async function parseFile(path: string, depth: number, titlePrefix: string): Promise<void> {
    if (depth > maxDepth || visited.has(path)) return;
    visited.add(path);
    const text = await read(path);
    if (text === null) {
      if (depth > 0) warnings.push(`grub: sourced file ${path} is missing`);
      return;
    }
    const commands = splitCommands(lex(text));
    await walk(commands, path, depth, titlePrefix, false);
  }

  async function walk(commands: Command[], path: string, depth: number, titlePrefix: string, inSubmenu: boolean): Promise<void> {
    for (const cmd of commands) {
      const [name, ...args] = cmd.words.map((w) => expand(w, vars));
      if (name === undefined) {
        if (cmd.block) await walk(cmd.block, path, depth, titlePrefix, inSubmenu);
        continue;
      }
      switch (name) {
        case 'set': {
          for (const a of args) {
            const eq = a.indexOf('=');
            if (eq > 0) {
              const key = a.slice(0, eq);
              const value = a.slice(eq + 1);
              vars.set(key, value);
              if (key === 'default' && !inSubmenu) defaultValue = value;
            }
          }
          break;
        }
        case 'menuentry': {
          const { title, id } = entryTitle(args);
          const entry = readEntry(cmd.block ?? [], `${titlePrefix}${title}`, path);
          entries.push({ ...entry, ...(id ? { id, label: id } : {}), topIndex: inSubmenu ? -1 : topIndex, path });
          if (!inSubmenu) topIndex++;
          break;
        }
        case 'submenu': {
          const { title } = entryTitle(args);
          // A submenu counts as one top-level entry for `set default=N`; its entries are still candidates.
          if (!inSubmenu) topIndex++;
          await walk(cmd.block ?? [], path, depth, `${titlePrefix}${title} > `, true);
          break;
        }
        case 'function':
          break;
        case 'source':
        case 'configfile':
          if (args[0]) await parseFile(grubPath(args[0], vars), depth + 1, titlePrefix);
          break;
        default:
          // if/then/else/fi, for, while, insmod, search, loadfont … : recurse into blocks only
          if (cmd.block) await walk(cmd.block, path, depth, titlePrefix, inSubmenu);
      }
    }
  }

  function readEntry(block: Command[], title: string, path: string): BootEntry {
    const local = new Map(vars);
    let kernel: string | undefined;
    let append = '';
    const initrds: string[] = [];
    let efi = false;
    const visit = (cmds: Command[]): void => {
      for (const cmd of cmds) {
        const [name, ...args] = cmd.words.map((w) => expand(w, local));
        if (name === 'set') {
          for (const a of args) {
            const eq = a.indexOf('=');
            if (eq > 0) local.set(a.slice(0, eq), a.slice(eq + 1));
          }
        } else if (name === 'linux' || name === 'linuxefi' || name === 'linux16' || name === 'kernel') {
          const rest = args;
          if (rest[0]) {
            kernel = grubPath(rest[0], local);
            append = rest.slice(1).map(quoteIfSpaced).join(' ');
          }
        } else if (name === 'initrd' || name === 'initrdefi' || name === 'initrd16') {
          initrds.length = 0;
          for (const a of args) initrds.push(grubPath(a, local));
        } else if (name === 'chainloader' || name === 'reboot' || name === 'halt' || name === 'fwsetup' || name === 'exit') {
          efi = true;
        }
        if (cmd.block) visit(cmd.block);
      }
    };
    visit(block);
    const split = extractInitrdArgs(append);
    const allInitrds = initrds.length > 0 ? initrds : split.initrds.map((p) => grubPath(p, local));
    const kind: BootEntry['kind'] = !kernel || efi || looksLikeTool({ title, kernel }) ? 'tool' : 'linux';
    return { source: `grub ${path}`, title, kind, ...(kernel ? { kernel } : {}), initrds: allInitrds, append: split.append, isDefault: false };
  }

  await parseFile(configPath, 0, '');

  const def = pickDefault(entries, defaultValue);
  const result: BootEntry[] = entries.map(({ id: _id, topIndex: _t, path: _p, ...e }, i) => ({ ...e, isDefault: i === def }));
  return { entries: result, warnings };
}

function pickDefault(entries: Array<{ title: string; id?: string; topIndex: number }>, value: string | undefined): number {
  if (value === undefined || value === '') return -1;
  if (/^\d+$/.test(value)) return entries.findIndex((e) => e.topIndex === Number(value));
  // "1>2" selects inside a submenu; title, id or "Submenu>Entry" otherwise.
  const byNumberPath = /^(\d+)>/.exec(value);
  if (byNumberPath) return -1;
  return entries.findIndex((e) => e.id === value || e.title === value || e.title.replace(/ > /g, '>') === value);
}

function entryTitle(args: string[]): { title: string; id?: string } {
  let title: string | undefined;
  let id: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--id') id = args[++i];
    else if (a.startsWith('--id=')) id = a.slice(5);
    else if (a === '--class' || a === '--users' || a === '--hotkey') i++;
    else if (a.startsWith('--')) continue;
    else if (title === undefined) title = a;
  }
  return { title: title ?? '(untitled)', ...(id ? { id } : {}) };
}

/** GRUB paths may carry a device, `(loop)/casper/vmlinuz` or `($root)/…`; inside one image only the path matters. */
function grubPath(raw: string, vars: Map<string, string>): string {
  const noDevice = raw.replace(/^\([^)]*\)/, '');
  return resolveImagePath(vars.get('prefix') ?? '/', noDevice.startsWith('/') ? noDevice : '/' + noDevice);
}

function quoteIfSpaced(word: string): string {
  return /\s/.test(word) ? `"${word}"` : word;
}

// ---- lexer -------------------------------------------------------------------------------

/** A word keeps markers for expansion: \u0001name\u0002 where a variable stood outside single quotes. */
function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let cur: string | null = null;
  const push = (): void => {
    if (cur !== null) tokens.push({ text: cur });
    cur = null;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n' || ch === ';') {
      push();
      tokens.push(';');
      i++;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      push();
      i++;
    } else if (ch === '#' && cur === null) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if ((ch === '{' || ch === '}') && cur === null && /[\s;]|$/.test(text[i + 1] ?? '')) {
      tokens.push(ch);
      i++;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      cur = (cur ?? '') + text.slice(i + 1, stop);
      i = stop + 1;
    } else if (ch === '"') {
      i++;
      cur = cur ?? '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$\n'.includes(text[i + 1]!)) {
          cur += text[i + 1] === '\n' ? '' : text[i + 1];
          i += 2;
        } else if (text[i] === '$') {
          const v = readVar(text, i);
          cur += v.marker;
          i = v.next;
        } else cur += text[i++];
      }
      i++;
    } else if (ch === '\\') {
      if (text[i + 1] === '\n') i += 2;
      else {
        cur = (cur ?? '') + (text[i + 1] ?? '');
        i += 2;
      }
    } else if (ch === '$') {
      const v = readVar(text, i);
      cur = (cur ?? '') + v.marker;
      i = v.next;
    } else {
      cur = (cur ?? '') + ch;
      i++;
    }
  }
  push();
  return tokens;
}

function readVar(text: string, at: number): { marker: string; next: number } {
  if (text[at + 1] === '{') {
    const end = text.indexOf('}', at + 2);
    if (end < 0) return { marker: '$', next: at + 1 };
    return { marker: `\u0001${text.slice(at + 2, end)}\u0002`, next: end + 1 };
  }
  const m = /^[A-Za-z0-9_?#@*]+/.exec(text.slice(at + 1));
  if (!m) return { marker: '$', next: at + 1 };
  return { marker: `\u0001${m[0]}\u0002`, next: at + 1 + m[0].length };
}

function expand(word: string, vars: Map<string, string>): string {
  // Unset variables expand to nothing, as in GRUB.
  return word.replace(/\u0001([^\u0002]*)\u0002/g, (_m, name: string) => vars.get(name) ?? '');
}

interface Command {
  words: string[];
  block?: Command[];
}

/** Groups tokens into commands; a `{ … }` directly after a command's words becomes its block. */
function splitCommands(tokens: Token[]): Command[] {
  let pos = 0;
  const parseList = (): Command[] => {
    const out: Command[] = [];
    let words: string[] = [];
    const flush = (): void => {
      if (words.length > 0) out.push({ words });
      words = [];
    };
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t === ';') flush();
      else if (t === '}') {
        flush();
        return out;
      } else if (t === '{') {
        const block = parseList();
        out.push({ words, block });
        words = [];
      } else words.push(t.text);
    }
    flush();
    return out;
  };
  return parseList();
}
