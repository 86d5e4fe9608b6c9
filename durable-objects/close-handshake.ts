import { CLOSE_CODES } from "../protocol/live";

/**
 * Codes a close frame may carry (RFC 6455 7.4.1 and IANA's registry): 1004, 1005, 1006 and
 * 1015 are reserved for reporting, never for the wire; 1016-2999 are unassigned; 0-999 and
 * 5000+ are not close codes at all.
 */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * The code that answers the client's close frame. A valid one is echoed (RFC 6455 5.5.1);
 * one no endpoint may send is a protocol error (1002). workerd reports a close frame without
 * a code as 1005 and a lost connection as 1006; it reports a close frame that really carries
 * 1005 the same way, so that case cannot be told from a bare close and is answered 1000.
 * A lost connection gets 1000 too: nothing reads it, closing only releases the socket.
 */
export function closeReply(code: number, wasClean: boolean): number {
  if (code === 1005 || (code === 1006 && !wasClean)) return CLOSE_CODES.normal;
  return isSendableCloseCode(code) ? code : CLOSE_CODES.protocolError;
}
