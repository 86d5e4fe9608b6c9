import { DEFAULT_ROOM_SETTINGS, RoomSettings, type SettingsPatch } from "../../protocol/moderation";
import type { RoomMeta } from "../room-meta";

/** A room's settings: the defaults until an owner or moderator changes them. */
export class SettingsStore {
  private cached: RoomSettings | null = null;

  constructor(private readonly meta: RoomMeta) {}

  read(): RoomSettings {
    if (this.cached) return this.cached;
    const stored = this.meta.get("settings");
    const parsed = stored === undefined ? null : RoomSettings.safeParse({ ...DEFAULT_ROOM_SETTINGS, ...JSON.parse(stored) });
    this.cached = parsed?.success ? parsed.data : DEFAULT_ROOM_SETTINGS;
    return this.cached;
  }

  /** Call inside the write transaction; returns the settings now in force. */
  patch(patch: SettingsPatch): RoomSettings {
    const next = RoomSettings.parse({ ...this.read(), ...patch });
    this.meta.set("settings", JSON.stringify(next));
    this.cached = next;
    return next;
  }

  /** After a rolled-back transaction the cache may hold a value storage never kept. */
  invalidate(): void {
    this.cached = null;
  }
}
