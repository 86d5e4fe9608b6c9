import type { Plural } from "../messages";
import { catalogue } from "../catalogue";

/**
 * <engage-moderation>'s catalogue: it ships only with the view's build. English is here; other
 * languages are chunks of that build loaded on demand (as the comment section's are).
 * Server refusals are worded here by code, never by the server's message.
 */
export const en = {
  moderation: "Moderation",
  moderatorsOnly: "This view is for the room's owner and moderators.",
  signInToModerate: "Sign in as the room's owner or a moderator to moderate it.",
  loading: "Loading…",
  tabs: "Moderation sections",
  reportsTab: "Reports",
  bansTab: "Bans",
  settingsTab: "Settings",
  termsTab: "Terms",
  logTab: "Mod log",
  heldTab: "Held",
  heldTitle: "Held for review",
  noHeld: "Nothing is waiting",
  heldFor: { suspect_term: "suspect term", premoderation: "pre-moderation", newcomer_link: "newcomer's link", reports: "reported", delay: "publish delay", restricted: "restricted user" } as Record<string, string>,
  approve: "Approve {name}'s comment",
  deny: "Deny {name}'s comment",
  denyReason: "Reason to deny {name}'s comment (optional)",
  approved: "{name}'s comment is published",
  denied: "{name}'s comment is denied",
  held_not_found: "Already decided",
  loadMore: "Load more",
  confirm: "Confirm",
  cancel: "Cancel",
  unavailable: "This server does not offer this yet.",
  // Reports
  noReports: "No reports",
  reportCount: { one: "{n} report", other: "{n} reports" } as Plural,
  commentGone: "The comment is gone",
  byOn: "{who}, {time}",
  deleteComment: "Delete comment",
  confirmDeleteComment: "Delete this comment for everyone?",
  commentDeleted: "Comment deleted",
  dismiss: "Dismiss reports",
  dismissed: "Reports dismissed",
  // Bans
  banTitle: "Ban or time out a user",
  userId: "User id",
  duration: "For",
  untilLifted: "Until lifted",
  minutes: "{n} min",
  hours: "{n} h",
  days: "{n} d",
  reason: "Reason (optional)",
  ban: "Ban",
  confirmBan: "Ban {name} until lifted?",
  confirmTimeout: "Time {name} out for {time}?",
  banned: "{name} is banned",
  timedOut: "{name} is timed out until {time}",
  bans: "Banned",
  timeouts: "Timed out",
  noBans: "No one is banned",
  noTimeouts: "No one is timed out",
  until: "until {time}",
  by: "by {name}",
  unban: "Unban {name}",
  unbanned: "{name} may comment again",
  // Restrictions (in the Bans tab)
  restrictTitle: "Restrict a user",
  restrictHint: "Their new comments are seen only by them and the moderators, their reactions by no one; they are not told.",
  restrict: "Restrict",
  restricted: "Restricted",
  noRestricted: "No one is restricted",
  restrictedNow: "{name} is restricted",
  lift: "Lift {name}'s restriction",
  confirmLift: "Lift {name}'s restriction? Their new comments will be seen by everyone.",
  lifted: "{name}'s restriction is lifted",
  // Settings
  settingsTitle: "Room settings",
  commentsOn: "Comments on",
  membersOnly: "Members only",
  emoteOnly: "Emote-only chat",
  uniqueChat: "Unique chat (no repeats within 30 s)",
  newcomerWait: "Newcomers wait before commenting (minutes)",
  editWindow: "Authors may edit for (minutes, 0 = never)",
  premoderation: "Hold every comment for review",
  newcomerLink: "Hold links from newcomers for (minutes, 0 = off)",
  hideAfterReports: "Hide a comment after this many reports (0 = never)",
  publishDelay: "Publish others' comments after (seconds, 0 = at once)",
  slowMode: "Slow mode",
  off: "Off",
  seconds: "{n} s",
  filter: "Blocked words",
  filterMask: "Mask them",
  filterReject: "Refuse the comment",
  filterOff: "Allow",
  maxLength: "Longest comment (characters)",
  reactions: "Reactions (separated by spaces)",
  save: "Save",
  saved: "Settings saved",
  // Terms
  termsTitle: "Terms",
  blocked: "Blocked terms, one per line",
  suspect: "Suspect terms, one per line",
  termsHint: "* stands for any letters. At most {n} terms of {max} characters each.",
  saveTerms: "Save terms",
  termsSaved: "Terms saved",
  // Log
  noLog: "Nothing yet",
  logLine: "{who}: {action}",
  actions: {
    comment_delete: "deleted a comment",
    pin: "pinned a comment",
    unpin: "unpinned a comment",
    highlight: "highlighted a comment",
    unhighlight: "removed a highlight",
    ban: "banned",
    timeout: "timed out",
    unban: "unbanned",
    settings: "changed settings",
    terms: "changed terms",
    moderator_add: "made a moderator:",
    moderator_remove: "removed a moderator:",
    report_dismiss: "dismissed reports",
    report_remove: "removed a reported comment",
    approve: "approved a comment",
    deny: "denied a comment",
    restrict: "restricted",
    unrestrict: "lifted the restriction of",
  } as Record<string, string>,
  // People
  peopleTab: "People",
  ownerIs: "Owner: {name}",
  moderators: "Moderators",
  addModerator: "Add moderator",
  removeModerator: "Remove {name}",
  confirmRemoveModerator: "Take {name}'s moderator role away?",
  noModerators: "No moderators besides the owner",
  moderatorAdded: "{name} is a moderator",
  moderatorRemoved: "{name} is no longer a moderator",
  members: "Members (who may comment in members-only mode)",
  addMember: "Add member",
  removeMember: "Remove {name}",
  confirmRemoveMember: "Remove {name} from the members?",
  noMembers: "No members",
  memberAdded: "{name} is a member",
  memberRemoved: "{name} is no longer a member",
  too_many_members: "The members list is full",
  // Refusals, by code.
  failed: "Something went wrong, try again",
  forbidden: "You are not allowed to do that",
  sign_in: "Sign in to moderate",
  unauthorized: "Sign in to moderate",
  invalid_request: "The server refused that input",
  comment_not_found: "That comment is gone",
  is_moderator: "The owner and moderators cannot be restricted",
};
export type ModerationMessages = typeof en;

const LOADERS: Record<string, () => Promise<{ messages: ModerationMessages }>> = {
  de: () => import("./locales/de"),
  es: () => import("./locales/es"),
  ja: () => import("./locales/ja"),
};
/** The catalogue for a locale the element picked (i18n.ts pickLocale); English if it cannot load. */
export const loadMessages = catalogue<ModerationMessages>(en, LOADERS);

/** Fills `{name}` placeholders; a number is formatted for the locale. (The section's own copy would bring its catalogue along.) */
export function fill(template: string, locale: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

export function plural(forms: Plural, locale: string, n: number): string {
  return fill(forms[new Intl.PluralRules(locale).select(n)] ?? forms.other, locale, { n });
}
