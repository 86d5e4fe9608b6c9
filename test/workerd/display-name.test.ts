import { describe, expect, it } from "vitest";
import { displayName, idsToShow, MAX_NAME_UNITS, nameSkeleton } from "../../protocol/display-name";

describe("display names from tokens", () => {
  it("cleans what hides and falls back to the user id when nothing visible is left", () => {
    expect(displayName("\u202eAda\u202c \u200bLovelace\u2066", "u1")).toBe("Ada Lovelace");
    expect(displayName("Al\u200dice", "u1")).toBe("Alice");
    expect(displayName("dev 👩‍💻", "u1")).toBe("dev 👩‍💻");
    for (const raw of ["", "  ", "\u3164", "\u200b\u2800", "\ud800", undefined, null, 7, {}]) {
      expect(displayName(raw, "u1"), JSON.stringify(raw)).toBe("u1");
    }
  });

  it("cuts at 64 UTF-16 units without splitting a character", () => {
    expect(displayName("é".repeat(100), "u1")).toBe("é".repeat(64));
    const emoji = displayName("😀".repeat(40), "u1");
    expect(emoji).toBe("😀".repeat(32));
    expect(displayName("a" + "😀".repeat(40), "u1").length).toBe(MAX_NAME_UNITS - 1);
    // A user id used as the name is cut the same way.
    expect(displayName("", "a" + "😀".repeat(40))).toBe("a" + "😀".repeat(31));
    // Marks before the first letter fill the cut: nothing visible, so the id.
    expect(displayName("\u0301".repeat(64) + "a", "u1")).toBe("u1");
  });
});

describe("which user ids the page shows", () => {
  it("folds look-alike names to one skeleton", () => {
    const alice = nameSkeleton("alice");
    for (const lookalike of ["Alice", "ALICE", "аlice", "alіce", "AIice", "a1ice", "ａｌｉｃｅ", "álice", "a\u200blice", "a_lice", "a.lice"]) {
      expect(nameSkeleton(lookalike), lookalike).toBe(alice);
    }
    expect(nameSkeleton("alex")).not.toBe(alice);
  });

  it("shows no id for a name that is its user id, alone on the page", () => {
    expect(idsToShow([{ id: "ada", name: "ada" }, { id: "bob", name: "bob" }])).toEqual(new Set());
  });

  it("shows the id of anyone whose name is not their id", () => {
    expect(idsToShow([{ id: "u-123", name: "Ada Lovelace" }, { id: "bob", name: "bob" }])).toEqual(new Set(["u-123"]));
  });

  it("shows both ids when one author's name imitates another's, even an exact copy of the id", () => {
    expect(idsToShow([{ id: "ada", name: "ada" }, { id: "mallory", name: "ada" }])).toEqual(new Set(["ada", "mallory"]));
    expect(idsToShow([{ id: "ada", name: "ada" }, { id: "AdA", name: "AdA" }])).toEqual(new Set(["ada", "AdA"]));
    expect(idsToShow([{ id: "alice", name: "alice" }, { id: "m", name: "аlice" }])).toEqual(new Set(["alice", "m"]));
  });

  it("counts one author's many comments once and has no id to show for erased authors", () => {
    expect(idsToShow([{ id: "ada", name: "ada" }, { id: "ada", name: "ada" }, { id: null, name: "[deleted]" }])).toEqual(new Set());
  });
});
