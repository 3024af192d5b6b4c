/**
 * A second look at a settings file's JSON text, for what JSON.parse does not say: where a syntax
 * error is when V8's message gives no position (`NaN`, a stray word, binary junk), and which
 * keys are repeated in one object (JSON.parse keeps the last one silently, so a second
 * `"currency"` would quietly override the first). Iterative, so any nesting depth is fine.
 */

export interface JsonScan {
  /** The offset of the first character that cannot be JSON there, when the text is not JSON. */
  readonly errorAt?: number;
  /** Keys repeated within one object, in reading order. */
  readonly duplicates: readonly DuplicateKey[];
}

export interface DuplicateKey {
  readonly key: string;
  /** Key path of the repeated key (`reports.agingWeekday`, `dunning.steps[1].name`). */
  readonly path: string;
  /** Offsets of the first and the repeated key. */
  readonly firstAt: number;
  readonly at: number;
}

interface Frame {
  readonly path: string;
  /** Keys seen so far and where: objects only. */
  readonly keys?: Map<string, number>;
  index: number;
}

type Expect = 'value' | 'valueOrClose' | 'keyOrClose' | 'key' | 'colon' | 'commaOrClose' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

function childPath(frame: Frame | undefined, key: string | number): string {
  const parent = frame?.path ?? '';
  return typeof key === 'number' ? `${parent}[${key}]` : parent === '' ? key : `${parent}.${key}`;
}

/** The end offset (after the closing quote) of the string starting at `start`, or -1 when it is not a valid JSON string. */
function stringEnd(text: string, start: number): number {
  for (let at = start + 1; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 34 /* " */) return at + 1;
    if (code < 0x20) return -1;
    if (code === 92 /* \ */) {
      const next = text[at + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) return -1;
        at += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) at += 1;
      else return -1;
    }
  }
  return -1;
}

export function scanJson(text: string): JsonScan {
  const duplicates: DuplicateKey[] = [];
  const stack: Frame[] = [];
  let expect: Expect = 'value';
  let pendingKey = '';
  let at = 0;
  const fail = (): JsonScan => ({ errorAt: Math.min(at, text.length), duplicates });
  const afterValue = (): Expect => (stack.length === 0 ? 'end' : 'commaOrClose');
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    return top === undefined ? '' : top.keys ? childPath(top, pendingKey) : childPath(top, top.index);
  };
  for (;;) {
    WHITESPACE.lastIndex = at;
    WHITESPACE.test(text);
    at = WHITESPACE.lastIndex;
    if (at >= text.length) return expect === 'end' ? { duplicates } : fail();
    const c = text[at];
    const top = stack[stack.length - 1];
    switch (expect) {
      case 'end':
        return fail();
      case 'valueOrClose':
        if (c === ']') {
          stack.pop();
          at++;
          expect = afterValue();
          break;
        }
        expect = 'value';
        break;
      case 'keyOrClose':
      case 'key': {
        if (c === '}' && expect === 'keyOrClose') {
          stack.pop();
          at++;
          expect = afterValue();
          break;
        }
        if (c !== '"' || top?.keys === undefined) return fail();
        const end = stringEnd(text, at);
        if (end < 0) return fail();
        pendingKey = JSON.parse(text.slice(at, end)) as string;
        const firstAt = top.keys.get(pendingKey);
        if (firstAt === undefined) top.keys.set(pendingKey, at);
        else duplicates.push({ key: pendingKey, path: childPath(top, pendingKey), firstAt, at });
        at = end;
        expect = 'colon';
        break;
      }
      case 'colon':
        if (c !== ':') return fail();
        at++;
        expect = 'value';
        break;
      case 'commaOrClose':
        if (c === ',') {
          at++;
          if (top?.keys) expect = 'key';
          else {
            if (top) top.index++;
            expect = 'value';
          }
          break;
        }
        if ((c === '}' && top?.keys) || (c === ']' && top && !top.keys)) {
          stack.pop();
          at++;
          expect = afterValue();
          break;
        }
        return fail();
      case 'value': {
        if (c === '{' || c === '[') {
          stack.push({ path: valuePath(), index: 0, ...(c === '{' ? { keys: new Map<string, number>() } : {}) });
          at++;
          expect = c === '{' ? 'keyOrClose' : 'valueOrClose';
          break;
        }
        if (c === '"') {
          const end = stringEnd(text, at);
          if (end < 0) return fail();
          at = end;
        } else if (text.startsWith('true', at) || text.startsWith('null', at)) at += 4;
        else if (text.startsWith('false', at)) at += 5;
        else {
          NUMBER.lastIndex = at;
          if (!NUMBER.test(text)) return fail();
          at = NUMBER.lastIndex;
        }
        expect = afterValue();
        break;
      }
    }
  }
}
