import type { TermsBody } from "../../protocol/moderation";
import { TermMatcher } from "./term-matcher";

/** Room schema step (room-migrations.ts): each list's entries in the order the moderator gave them. */
export const ROOM_TERMS_TABLE = `CREATE TABLE room_terms (list TEXT NOT NULL, position INTEGER NOT NULL, term TEXT NOT NULL, PRIMARY KEY (list, position)) WITHOUT ROWID;`;

type List = "blocked" | "suspect";

export interface TermsMatch {
  /** The entries (as written) that matched, each once. */
  blocked: string[];
  suspect: string[];
}

interface Compiled {
  terms: TermsBody;
  blocked: TermMatcher;
  suspect: TermMatcher;
}

/**
 * A room's blocked and suspect terms (docs/moderation.md "Terms"). Storage holds the truth;
 * the compiled matchers are built on the first comment after a wake-up or a change, once.
 */
export class TermsStore {
  private compiled: Compiled | null = null;

  constructor(private readonly sql: SqlStorage) {}

  read(): TermsBody {
    return this.load().terms;
  }

  /** The blocked list's matcher, for the comment filter (text-filter.ts). */
  blockedMatcher(): TermMatcher {
    return this.load().blocked;
  }

  /** Which entries of each list a text matches (the same normalisation as the filter). */
  match(key: string): TermsMatch {
    const { blocked, suspect } = this.load();
    return { blocked: distinctTerms(blocked, key), suspect: distinctTerms(suspect, key) };
  }

  /**
   * Replaces both lists; call inside the write transaction. The cache is dropped rather than
   * filled, so a rolled-back write leaves nothing in memory that storage does not hold.
   */
  replace(terms: TermsBody): void {
    this.sql.exec("DELETE FROM room_terms");
    for (const list of ["blocked", "suspect"] as const) {
      dedupe(terms[list]).forEach((term, position) => this.sql.exec("INSERT INTO room_terms (list, position, term) VALUES (?, ?, ?)", list, position, term));
    }
    this.compiled = null;
  }

  invalidate(): void {
    this.compiled = null;
  }

  private load(): Compiled {
    if (this.compiled) return this.compiled;
    const terms: TermsBody = { blocked: [], suspect: [] };
    for (const row of this.sql.exec<{ list: List; term: string }>("SELECT list, term FROM room_terms ORDER BY list, position")) {
      if (row.list === "blocked" || row.list === "suspect") terms[row.list].push(row.term);
    }
    this.compiled = { terms, blocked: new TermMatcher(terms.blocked), suspect: new TermMatcher(terms.suspect) };
    return this.compiled;
  }
}

function dedupe(terms: readonly string[]): string[] {
  return [...new Set(terms)];
}

function distinctTerms(matcher: TermMatcher, key: string): string[] {
  return [...new Set(matcher.matchKeyText(key).map((hit) => hit.term))];
}
