/** A character beyond Latin-1: V8 then stores the whole string two bytes per character. */
export const BEYOND_LATIN1 = /[^\0-\xff]/;

/**
 * `text` stored one byte per character, as its own copy, when every character fits in one. V8 keeps
 * a string two-byte when it is cut from a two-byte one (Node 20's V8 even when each character fits
 * one byte), and a name keeps the representation it had when V8 first saw it as a property name: a
 * key first read two-byte stays two-byte in every object that has it, JSON copies included, and so
 * does every answer that writes it (a mapped output's field names), built and encoded two bytes per
 * character.
 */
export function oneByte(text: string): string {
  return BEYOND_LATIN1.test(text) ? text : Buffer.from(text, "latin1").toString("latin1");
}
