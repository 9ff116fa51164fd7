/**
 * The `where:` constraint of a research config: comparisons of parameters and numbers joined by
 * `and`, e.g. `fast < slow and slow <= 4 * fast`. Parsed here into a small tree and evaluated by
 * walking it — a config is data, so nothing in it is ever handed to eval or new Function.
 *
 *   where    := compare (('and' | '&&') compare)*
 *   compare  := sum ('<' | '<=' | '>' | '>=' | '==' | '!=') sum
 *   sum      := product (('+' | '-') product)*
 *   product  := unary (('*' | '/') unary)*
 *   unary    := '-' unary | NUMBER | NAME | '(' sum ')'
 */

export type WhereFn = (params: Record<string, unknown>) => boolean;

export interface ParsedWhere {
  text: string;
  /** The parameter names the expression reads, in order of first use. */
  names: string[];
  /** `resolve(name)` reads a parameter's value; the caller decides about defaults and aliases. */
  compile(resolve: (params: Record<string, unknown>, name: string) => unknown): WhereFn;
}

/** A mistake in the expression: what was expected and the 1-based column where reading stopped. */
export class WhereSyntaxError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
  }
}

type Num = (p: Record<string, unknown>) => number;
type Token = { kind: 'num' | 'name' | 'op' | 'and' | 'end'; text: string; at: number };

const COMPARE = ['<=', '>=', '==', '!=', '<', '>'] as const;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(&&|<=|>=|==|!=|[<>+\-*/()]))/y;
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new WhereSyntaxError(text[i] === '=' ? "'=' is not a comparison: use ==" : `unexpected ${JSON.stringify(text[i])}`, i + 1);
    const at = m.index + m[0].length - (m[1] ?? m[2] ?? m[3]).length;
    if (m[1] !== undefined) out.push({ kind: 'num', text: m[1], at });
    else if (m[2] !== undefined) out.push({ kind: m[2] === 'and' ? 'and' : 'name', text: m[2], at });
    else out.push({ kind: m[3] === '&&' ? 'and' : 'op', text: m[3], at });
    i = re.lastIndex;
  }
  out.push({ kind: 'end', text: '', at: text.length });
  return out;
}

export function parseWhere(text: string): ParsedWhere {
  const tokens = tokenize(text);
  let k = 0;
  const names: string[] = [];
  const peek = () => tokens[k];
  const fail = (expected: string): never => {
    const t = peek();
    const got = t.kind === 'end' ? 'the end' : `'${t.text}'`;
    throw new WhereSyntaxError(`expected ${expected}, got ${got}`, t.at + 1);
  };
  // Nodes are built over a `resolve` bound at compile time, so parsing happens once.
  type Build<T> = (resolve: (p: Record<string, unknown>, name: string) => unknown) => T;

  const unary = (): Build<Num> => {
    const t = peek();
    if (t.kind === 'op' && t.text === '-') {
      k++;
      const inner = unary();
      return (r) => {
        const f = inner(r);
        return (p) => -f(p);
      };
    }
    if (t.kind === 'num') {
      k++;
      const v = Number(t.text);
      return () => () => v;
    }
    if (t.kind === 'name') {
      if (t.text === 'or' || t.text === 'not') throw new WhereSyntaxError(`'${t.text}' is not supported: join comparisons with 'and'`, t.at + 1);
      k++;
      if (!names.includes(t.text)) names.push(t.text);
      const name = t.text;
      return (r) => (p) => {
        const v = r(p, name);
        return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : NaN;
      };
    }
    if (t.kind === 'op' && t.text === '(') {
      k++;
      const inner = sum();
      if (!(peek().kind === 'op' && peek().text === ')')) fail("')'");
      k++;
      return inner;
    }
    return fail('a parameter name or a number');
  };

  const binary = (next: () => Build<Num>, ops: string[]) => (): Build<Num> => {
    let left = next();
    while (peek().kind === 'op' && ops.includes(peek().text)) {
      const op = tokens[k++].text;
      const a = left, b = next();
      left = (r) => {
        const fa = a(r), fb = b(r);
        if (op === '+') return (p) => fa(p) + fb(p);
        if (op === '-') return (p) => fa(p) - fb(p);
        if (op === '*') return (p) => fa(p) * fb(p);
        return (p) => fa(p) / fb(p);
      };
    }
    return left;
  };
  const product = binary(unary, ['*', '/']);
  const sum = binary(product, ['+', '-']);

  const compare = (): Build<WhereFn> => {
    const left = sum();
    const t = peek();
    if (!(t.kind === 'op' && (COMPARE as readonly string[]).includes(t.text))) fail("a comparison (<, <=, >, >=, == or !=)");
    k++;
    const right = sum();
    const op = t.text;
    return (r) => {
      const a = left(r), b = right(r);
      switch (op) {
        case '<': return (p) => a(p) < b(p);
        case '<=': return (p) => a(p) <= b(p);
        case '>': return (p) => a(p) > b(p);
        case '>=': return (p) => a(p) >= b(p);
        case '==': return (p) => a(p) === b(p);
        default: return (p) => a(p) !== b(p);
      }
    };
  };

  if (peek().kind === 'end') fail('a comparison such as fast < slow');
  const parts = [compare()];
  while (peek().kind === 'and') {
    k++;
    parts.push(compare());
  }
  if (peek().kind !== 'end') fail("'and' or the end of the expression");

  return {
    text,
    names,
    compile(resolve) {
      const fns = parts.map((b) => b(resolve));
      return (p) => fns.every((f) => f(p));
    },
  };
}
