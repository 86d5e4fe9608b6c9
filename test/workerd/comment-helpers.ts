import { Comment, CommentsPage } from "../../protocol/comments";
import { call, postJson, tokenFor } from "./helpers";

export async function postComment(
  target: string,
  userId: string,
  body: { text: string; replyTo?: string },
  headers: Record<string, string> = {},
): Promise<Response> {
  return postJson(`/v1/targets/${target}/comments`, body, { token: await tokenFor(userId, { name: `Name ${userId}` }), headers });
}

/** Posts and expects 201; answers the parsed comment. */
export async function comment(target: string, userId: string, text: string, replyTo?: string): Promise<Comment> {
  const res = await postComment(target, userId, replyTo === undefined ? { text } : { text, replyTo });
  if (res.status !== 201) throw new Error(`comment refused: ${res.status} ${await res.text()}`);
  return Comment.parse(await res.json());
}

export async function listComments(target: string, query: Record<string, string | number> = {}) {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await call(`/v1/targets/${target}/comments?${params}`);
  if (res.status !== 200) throw new Error(`list refused: ${res.status} ${await res.text()}`);
  return CommentsPage.parse(await res.json());
}

export async function deleteComment(target: string, userId: string, id: string, roles?: string[]): Promise<Response> {
  const token = await tokenFor(userId, roles ? { roles } : {});
  return call(`/v1/targets/${target}/comments/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
}
