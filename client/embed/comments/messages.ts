import type { Plural } from "../messages";
import { catalogue } from "../catalogue";

/**
 * The comment section's catalogue, apart from the like button's (i18n.ts): it ships only with
 * the section's build. English is here; other languages are chunks loaded on demand. Server
 * errors are shown by their code from here, never by the server's English message.
 */
export const en = {
  comments: "Comments",
  commentsCount: { one: "Comments ({n})", other: "Comments ({n})" } as Plural,
  write: "Write a comment",
  post: "Post",
  reply: "Reply",
  replyTo: "Reply to {name}",
  cancel: "Cancel",
  replies: { one: "Show {n} reply", other: "Show {n} replies" } as Plural,
  loadOlder: "Load older comments",
  loadedOlder: { one: "{n} older comment loaded", other: "{n} older comments loaded" } as Plural,
  newComments: { one: "{n} new comment", other: "{n} new comments" } as Plural,
  characters: "{n} of {max} characters",
  signIn: "Sign in to comment.",
  commentsOff: "Comments are turned off",
  commentsOffStaff: "Comments are off for readers; you can still post",
  slowMode: "Slow mode: one comment every {n} s",
  posted: "Comment posted",
  heldForReview: "Your comment is waiting for a moderator to approve it",
  heldPending: "Waiting for approval",
  heldApproved: "Your comment was approved",
  heldDenied: "A moderator did not approve your comment",
  sending: "Sending…",
  queued: "Offline: sent when the connection is back",
  notSent: "Not sent",
  retry: "Retry",
  remove: "Delete",
  confirmDelete: "Delete this comment?",
  deleted: "Comment deleted",
  owner: "Owner",
  moderator: "Moderator",
  pinned: "Pinned",
  highlighted: "Highlighted",
  edited: "(edited)",
  edit: "Edit",
  editOf: "Edit your comment",
  save: "Save",
  editSaved: "Comment edited",
  editPending: "Your edit is waiting for approval",
  editApproved: "Your edit was approved",
  editDenied: "A moderator did not approve your edit",
  edit_closed: "This comment can no longer be edited",
  edit_locked: "A moderator acted on this comment; it can no longer be edited",
  edit_limit: "This comment cannot be edited again",
  edits_disabled: "Edits are turned off here",
  reactions: "Reactions",
  failed: "Something went wrong, try again",
  offline: "Offline, reconnecting…",
  // Server refusals, by code. slow_mode and rate_limited say the wait once, from retryAfterSeconds.
  slow_mode: "Slow mode: you can comment again in {n} s",
  rate_limited: "Too many comments: try again in {n} s",
  comments_disabled: "Comments are turned off",
  banned: "You cannot comment here right now",
  members_only: "Only members can comment here",
  text_rejected: "This comment is not allowed here",
  text_invisible: "Nothing in this comment would show",
  text_ill_formed: "This comment has a broken character",
  duplicate_comment: "You just posted the same comment",
  emote_only: "Emote-only mode: only emoji here right now",
  not_unique: "Someone just said that: say something new",
  write_first: "New here? Like or react first; comments open a little later",
  newcomer_wait: "New here: you can comment in {n} s",
  invalid_request: "This comment cannot be posted (empty or too long)",
  comment_not_found: "That comment is gone",
  forbidden: "You are not allowed to do that",
  sign_in: "Sign in to comment",
  unauthorized: "Sign in to comment",
  // Moderation (comments/moderation.ts)
  moderation: "Moderation",
  pin: "Pin",
  unpin: "Unpin",
  highlight: "Highlight",
  unhighlight: "Remove highlight",
  ban: "Ban",
  timeout: "Time out",
  duration: "Time out for",
  minutes: "{n} min",
  hours: "{n} h",
  days: "{n} d",
  bannedUser: "{name} is banned",
  timedOut: "{name} is timed out until {time}",
  unban: "Unban",
  unbanned: "{name} may comment again",
  bans: "Banned users",
  showBans: "Show banned users",
  noBans: "No one is banned",
  until: "until {time}",
  forever: "until lifted",
  commentsOn: "Comments on",
  slowModeLabel: "Slow mode",
  off: "Off",
  seconds: "{n} s",
  membersOnly: "Members only",
  saved: "Settings saved",
  pinnedDone: "Comment pinned",
  unpinnedDone: "Comment unpinned",
  highlightedDone: "Comment highlighted",
  unhighlightedDone: "Highlight removed",
};
/**
 * Codes a retry cannot fix: the text goes back into the composer with the reason. Kept beside
 * the catalogue that words them, which also lets gzip find each code a second time in one file.
 */
export const REFUSALS = new Set(["slow_mode", "rate_limited", "comments_disabled", "banned", "members_only", "text_rejected", "text_invisible", "text_ill_formed", "duplicate_comment", "emote_only", "not_unique", "write_first", "newcomer_wait", "invalid_request", "comment_not_found", "forbidden", "sign_in", "unauthorized"]);
export type CommentMessages = typeof en;
export type MessageKey = { [K in keyof CommentMessages]: CommentMessages[K] extends string ? K : never }[keyof CommentMessages];

const LOADERS: Record<string, () => Promise<{ messages: CommentMessages }>> = {
  de: () => import("./locales/de"),
  es: () => import("./locales/es"),
  ja: () => import("./locales/ja"),
};
/** The catalogue for a locale the element picked (i18n.ts pickLocale); English if it cannot load. */
export const loadMessages = catalogue(en, LOADERS);

/** Fills `{name}` placeholders; a number is formatted for the locale. */
export function fill(template: string, locale: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

export function plural(forms: Plural, locale: string, n: number, values: Record<string, string | number> = {}): string {
  return fill(forms[new Intl.PluralRules(locale).select(n)] ?? forms.other, locale, { ...values, n });
}
