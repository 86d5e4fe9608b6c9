import { matchKey } from "../../protocol/text";

/**
 * A room's blocked or suspect terms compiled into one matcher that runs in time linear in the
 * text (for the bounded lists of protocol/moderation.ts's TERMS_LIMITS), whatever the terms:
 * no regular expression, so no backtracking.
 *
 * A term is compared with the text's matchKey (protocol/text.ts, the profanity filter's
 * normalisation): lower case, accents, stacked marks, joiners and zero-width characters
 * gone, full-width and mathematical letters plain, whitespace one space. `*` stands for any
 * run of characters without a space (zero or more), so `bad*` catches `bad` and `badword`, and
 * `f*k` catches `freak` but not `for kids`. A term matches whole words: its first literal
 * character must start a word and its last end one (unless a `*` stands there). In scripts
 * written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan) every character edge
 * counts as a word edge, so a term there matches as a substring. workerd has Intl.Segmenter,
 * but its dictionary splits 你去死吧 as 你|去死吧, so a term 死 matched by words would miss it,
 * and segmenting costs far more than this scan.
 *
 * How: Aho–Corasick finds every occurrence of every literal piece in one pass; piece j of a
 * term continues a partial match of pieces 0..j-1 that ended at or before its start with no
 * space in between. Partial ends arrive in increasing order and each piece's start moves
 * forward with the scan, so each term piece keeps a queue it consumes from the front: every
 * end is pushed and popped once.
 */

export interface TermHit {
  /** The term as the moderator wrote it. */
  term: string;
  /** Units of the matchKey the match covers, end exclusive (wildcards at either edge reach to the word's edge). */
  start: number;
  end: number;
}

interface CompiledTerm {
  term: string;
  pieces: string[];
  leadingWild: boolean;
  trailingWild: boolean;
}

interface Node {
  next: Map<number, number>;
  fail: number;
  /** Piece ids that end here, this node's own and those reached through fail links. */
  out: number[];
}

/** Scripts written without spaces between words: each character edge is a word edge. */
const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]$/u;
const WORDISH = /^[\p{L}\p{N}\p{M}_]$/u;

/** A term's key: the same matchKey as the text, then split at `*` (runs of them are one). */
export function compileTerm(term: string): CompiledTerm | null {
  const key = matchKey(term).key;
  const pieces = key.split("*").filter((piece) => piece.length > 0);
  if (pieces.length === 0) return null;
  return { term, pieces, leadingWild: key.startsWith("*"), trailingWild: key.endsWith("*") };
}

export class TermMatcher {
  private readonly terms: CompiledTerm[];
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];
  /** For each piece id: its term, its index in the term, its length. */
  private readonly pieces: { term: number; index: number; length: number }[] = [];

  constructor(terms: readonly string[]) {
    this.terms = terms.map(compileTerm).filter((term): term is CompiledTerm => term !== null);
    this.terms.forEach((term, t) => term.pieces.forEach((piece, index) => this.insert(piece, t, index)));
    this.link();
  }

  get empty(): boolean {
    return this.terms.length === 0;
  }

  /** Every match in the text's matchKey, by start (a term may match more than once; masking needs each). */
  matchKeyText(key: string): TermHit[] {
    if (this.terms.length === 0 || key.length === 0) return [];
    const spaceBefore = lastSpaceBefore(key);
    const spaceAfter = nextSpaceFrom(key);
    // 0 unknown, 1 a word edge, 2 not: many terms ask about the same positions.
    const edges = new Uint8Array(key.length + 1);
    const isEdge = (p: number) => (edges[p] ||= isBoundary(key, p) ? 1 : 2) === 1;
    // queues[p]: ends of partial matches through piece p (p is an id over every term's pieces,
    // in order, so the partial a piece continues is the previous id).
    const queues = this.pieces.map((_, id) => new EndQueue(this.pieces[id + 1]?.length ?? 0));
    const hits: TermHit[] = [];
    let state = 0;
    for (let i = 0; i < key.length; i++) {
      state = this.step(state, key.charCodeAt(i));
      const end = i + 1;
      const out = this.nodes[state]!.out;
      for (let k = 0; k < out.length; k++) {
        const id = out[k]!;
        const piece = this.pieces[id]!;
        const term = this.terms[piece.term]!;
        const start = end - piece.length;
        let matchStart: number;
        if (piece.index === 0) {
          if (!term.leadingWild && !isEdge(start)) continue;
          matchStart = term.leadingWild ? spaceBefore[start]! + 1 : start;
        } else {
          // The latest partial end at or before this start: it leaves the shortest gap, the one most likely without a space.
          const before = queues[id - 1]!;
          if (!before.seek(start) || before.end <= spaceBefore[start]!) continue;
          matchStart = before.start;
        }
        if (piece.index === term.pieces.length - 1) {
          if (!term.trailingWild && !isEdge(end)) continue;
          hits.push({ term: term.term, start: matchStart, end: term.trailingWild ? spaceAfter[end]! : end });
        } else {
          queues[id]!.push(end, matchStart);
        }
      }
    }
    return hits.sort((a, b) => a.start - b.start);
  }

  private insert(piece: string, term: number, index: number): void {
    let node = 0;
    for (let i = 0; i < piece.length; i++) {
      const unit = piece.charCodeAt(i);
      let child = this.nodes[node]!.next.get(unit);
      if (child === undefined) {
        child = this.nodes.length;
        this.nodes.push({ next: new Map(), fail: 0, out: [] });
        this.nodes[node]!.next.set(unit, child);
      }
      node = child;
    }
    this.nodes[node]!.out.push(this.pieces.length);
    this.pieces.push({ term, index, length: piece.length });
  }

  /** Breadth-first fail links; each node's outputs then include its fail chain's. */
  private link(): void {
    const queue: number[] = [];
    for (const child of this.nodes[0]!.next.values()) queue.push(child);
    for (let head = 0; head < queue.length; head++) {
      const node = this.nodes[queue[head]!]!;
      for (const [unit, child] of node.next) {
        let fail = node.fail;
        while (fail !== 0 && !this.nodes[fail]!.next.has(unit)) fail = this.nodes[fail]!.fail;
        const target = this.nodes[fail]!.next.get(unit);
        const childNode = this.nodes[child]!;
        childNode.fail = target !== undefined && target !== child ? target : 0;
        childNode.out = [...this.nodes[childNode.fail]!.out, ...childNode.out];
        queue.push(child);
      }
    }
  }

  private step(state: number, unit: number): number {
    let node = state;
    while (node !== 0 && !this.nodes[node]!.next.has(unit)) node = this.nodes[node]!.fail;
    return this.nodes[node]!.next.get(unit) ?? 0;
  }
}

/**
 * Partial-match ends in increasing order; queries ask for the latest end at or before a
 * position that only moves forward and trails the newest end by at most the next piece's
 * length, so a ring of that many entries (plus the one answered) holds all that matters.
 */
class EndQueue {
  private readonly ends: Int32Array;
  private readonly starts: Int32Array;
  private head = 0;
  private size = 0;
  /** Set by a successful seek. */
  end = 0;
  start = 0;

  constructor(nextPieceLength: number) {
    this.ends = new Int32Array(nextPieceLength + 2);
    this.starts = new Int32Array(nextPieceLength + 2);
  }

  push(end: number, start: number): void {
    const capacity = this.ends.length;
    if (this.size > 0) {
      // Same end again: the earlier start is already there and serves as well.
      if (this.ends[(this.head + this.size - 1) % capacity] === end) return;
      // Full: the oldest can no longer be the latest end before any later query.
      if (this.size === capacity) {
        this.head = (this.head + 1) % capacity;
        this.size--;
      }
    }
    const at = (this.head + this.size) % capacity;
    this.ends[at] = end;
    this.starts[at] = start;
    this.size++;
  }

  seek(position: number): boolean {
    const capacity = this.ends.length;
    while (this.size > 1 && this.ends[(this.head + 1) % capacity]! <= position) {
      this.head = (this.head + 1) % capacity;
      this.size--;
    }
    if (this.size === 0 || this.ends[this.head]! > position) return false;
    this.end = this.ends[this.head]!;
    this.start = this.starts[this.head]!;
    return true;
  }
}

/** For each position p, the index of the last space before p (-1 when none). */
function lastSpaceBefore(key: string): Int32Array {
  const out = new Int32Array(key.length + 1);
  let last = -1;
  for (let p = 0; p <= key.length; p++) {
    out[p] = last;
    if (key.charCodeAt(p) === 0x20) last = p;
  }
  return out;
}

/** For each position p, the index of the first space at or after p (the length when none). */
function nextSpaceFrom(key: string): Int32Array {
  const out = new Int32Array(key.length + 1);
  let next = key.length;
  for (let p = key.length; p >= 0; p--) {
    if (p < key.length && key.charCodeAt(p) === 0x20) next = p;
    out[p] = next;
  }
  return out;
}

function codePointBefore(key: string, p: number): string {
  const low = key.charCodeAt(p - 1);
  if (low >= 0xdc00 && low <= 0xdfff && p >= 2) return key.slice(p - 2, p);
  return key.slice(p - 1, p);
}

/** A word edge: the text's ends, a non-word character on either side, or an unspaced script. */
function isBoundary(key: string, p: number): boolean {
  if (p <= 0 || p >= key.length) return true;
  const before = codePointBefore(key, p);
  const after = String.fromCodePoint(key.codePointAt(p)!);
  if (!WORDISH.test(before) || !WORDISH.test(after)) return true;
  return UNSPACED.test(before) || UNSPACED.test(after);
}
