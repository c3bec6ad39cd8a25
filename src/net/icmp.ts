// ICMP echo (RFC 792): the gateway and the DNS address answer pings, nothing else.

import { internetChecksum } from "./ipv4.js";

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

/** The echo reply for an echo request (same identifier, sequence and data); null otherwise. */
export function echoReply(message: Uint8Array): Uint8Array | null {
  if (message.length < 8 || message[0] !== ICMP_ECHO_REQUEST || message[1] !== 0) return null;
  if (internetChecksum(message) !== 0) return null;
  const reply = message.slice();
  reply[0] = ICMP_ECHO_REPLY;
  reply[2] = 0;
  reply[3] = 0;
  const sum = internetChecksum(reply);
  reply[2] = sum >> 8;
  reply[3] = sum & 0xff;
  return reply;
}
