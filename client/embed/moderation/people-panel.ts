import { TargetInfo } from "../../../protocol/mini/comments";
import { MemberChangeResponse, MembersResponse, ModeratorsResponse } from "../../../protocol/mini/moderation";
import { button, el } from "../comments/dom";
import { confirmIn, heading, redraw, type Panel, type PanelContext } from "./kit";
import { fill } from "./messages";

/** One list of user ids with an add form and a Remove (confirmed) per row. */
class UserList {
  readonly element = el("div", { part: "user-list" });
  readonly title: HTMLHeadingElement;
  private readonly list: HTMLUListElement;
  private readonly input = el("input", { type: "text", autocomplete: "off", spellcheck: "false" });
  private readonly label = el("span", {});
  private readonly add = el("button", { type: "submit", part: "action" });
  private readonly confirmSlot = el("div", {});
  ids: string[] = [];

  constructor(
    private readonly key: string,
    private readonly ctx: PanelContext,
    private readonly words: () => { title: string; add: string; remove: string; confirm: string; empty: string },
    /** Resolves whether the room took the change (a refusal is said by the panel). */
    private readonly write: (userId: string, add: boolean) => Promise<boolean>,
  ) {
    this.title = heading(`${key}-title`);
    this.list = el("ul", { part: "list", "aria-labelledby": `${key}-title` });
    this.input.dataset.control = `${key}-user`;
    this.add.dataset.action = `add-${key}`;
    const form = el("form", { "aria-labelledby": `${key}-title` }, el("div", { part: "row" }, el("label", {}, this.label, this.input), this.add), this.confirmSlot);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const userId = this.input.value.trim();
      if (userId === "") return void this.input.focus();
      void this.write(userId, true).then((done) => {
        if (done) this.input.value = "";
        this.input.focus();
      });
    });
    this.element.append(this.title, this.list, form);
  }

  busy(): boolean {
    return this.element.querySelector("[data-confirm]") !== null;
  }

  show(ids: string[]): void {
    this.ids = ids;
    redraw(this.element, () => this.draw(), () => this.title);
  }

  draw(): void {
    const w = this.words();
    this.title.textContent = w.title;
    this.label.textContent = this.ctx.t().userId;
    this.add.textContent = w.add;
    this.list.replaceChildren(
      ...(this.ids.length === 0
        ? [el("li", { part: "empty" }, w.empty)]
        : this.ids.map((id) => {
            const slot = el("div", {});
            const remove: HTMLButtonElement = button(fill(w.remove, this.ctx.locale(), { name: id }), { part: "action danger", "data-action": `remove-${this.key}`, "data-key": `${this.key} ${id}` }, () =>
              confirmIn(slot, remove, this.ctx.t(), fill(w.confirm, this.ctx.locale(), { name: id }), () => void this.write(id, false).then(() => this.title.focus())),
            );
            return el("li", { part: "item", "data-user": id }, el("span", { part: "who", dir: "auto" }, id), remove, slot);
          })),
    );
  }
}

/**
 * The room's people: its owner and moderators (from `GET /v1/targets/:target`; added and
 * removed by the owner) and, for a members-only room, its members (`GET/POST/DELETE …/members`,
 * changed by the owner). A moderator who is not the owner sees the lists and is refused changes.
 */
export class PeoplePanel implements Panel {
  readonly key = "people";
  readonly element = el("div", { part: "people" });
  private readonly owner = el("p", { part: "hint" });
  private readonly moderators: UserList;
  private readonly members: UserList;

  constructor(private readonly ctx: PanelContext) {
    const t = () => ctx.t();
    this.moderators = new UserList("moderators", ctx, () => ({ title: t().moderators, add: t().addModerator, remove: t().removeModerator, confirm: t().confirmRemoveModerator, empty: t().noModerators }), (userId, add) =>
      this.change(async () => {
        const answer = add ? await ctx.api.write("POST", "/moderators", { userId }, ModeratorsResponse) : await ctx.api.write("DELETE", `/moderators/${encodeURIComponent(userId)}`, undefined, ModeratorsResponse);
        this.moderators.show(answer.moderators);
        return fill(add ? t().moderatorAdded : t().moderatorRemoved, ctx.locale(), { name: userId });
      }, add ? "moderator_add" : "moderator_remove", userId),
    );
    this.members = new UserList("members", ctx, () => ({ title: t().members, add: t().addMember, remove: t().removeMember, confirm: t().confirmRemoveMember, empty: t().noMembers }), (userId, add) =>
      this.change(async () => {
        if (add) await ctx.api.write("POST", "/members", { userId }, MemberChangeResponse);
        else await ctx.api.write("DELETE", `/members/${encodeURIComponent(userId)}`, undefined, MemberChangeResponse);
        await this.readMembers();
        return fill(add ? t().memberAdded : t().memberRemoved, ctx.locale(), { name: userId });
      }, add ? "member_add" : "member_remove", userId),
    );
    this.element.append(this.owner, this.moderators.element, this.members.element);
  }

  tabLabel(): string {
    return this.ctx.t().peopleTab;
  }

  busy(): boolean {
    return this.moderators.busy() || this.members.busy();
  }

  async load(): Promise<void> {
    try {
      const info = await this.ctx.api.read("", TargetInfo);
      this.owner.textContent = info.owner === null ? "" : fill(this.ctx.t().ownerIs, this.ctx.locale(), { name: info.owner });
      this.moderators.show(info.moderators);
      await this.readMembers();
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
    }
  }

  relabel(): void {
    this.moderators.draw();
    this.members.draw();
  }

  private async readMembers(): Promise<void> {
    this.members.show((await this.ctx.api.write("GET", "/members", undefined, MembersResponse)).members);
  }

  private async change(work: () => Promise<string>, action: string, userId: string): Promise<boolean> {
    try {
      this.ctx.say(await work());
      this.ctx.done(action, { userId });
      return true;
    } catch (error) {
      this.ctx.say(this.ctx.errorText(error));
      return false;
    }
  }
}
