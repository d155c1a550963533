import { documentText, documentValue, type ContentDocument } from './content';

/**
 * The text a record's prompt_hash and response_hash cover (keys/content-hash.ts makes the
 * hashes). It is a canonical text, so `ai-audit hash "<text>"` reproduces it from what
 * the auditor has: for the prompt, the text of the last user message that has text; for the response,
 * the text of every output message. Text parts are joined with "\n", NFC-normalized and
 * trimmed. Content that is not a message list is hashed as it is.
 */

interface Message {
  role?: string;
  parts?: { type?: string; content?: unknown }[];
}

function textOf(message: Message): string[] {
  return (message.parts ?? [])
    .filter((part) => part?.type === 'text' && typeof part.content === 'string')
    .map((part) => part.content as string);
}

function messages(document: ContentDocument): Message[] | undefined {
  const value = documentValue(document);
  return Array.isArray(value) && value.every((m) => m !== null && typeof m === 'object')
    ? (value as Message[])
    : undefined;
}

/**
 * Every character below U+0300 (where the combining marks begin) is unchanged by NFC and
 * composes with nothing before it, so most text needs no normalization pass, which costs more
 * than hashing the text.
 */
const MAY_CHANGE_UNDER_NFC = /[\u0300-\uffff]/;

export function canonical(text: string): string {
  return (MAY_CHANGE_UNDER_NFC.test(text) ? text.normalize('NFC') : text).trim();
}

/** The canonical text of a record's input: its last user message. */
export function promptText(input: ContentDocument): string {
  const list = messages(input);
  if (!list) return canonical(documentText(input));
  // A user message with no text (content normalize appends as attribute parts) is not the prompt.
  const users = list.filter((m) => m.role === 'user' && textOf(m).length > 0);
  const chosen = users.length > 0 ? [users[users.length - 1]] : list;
  return canonical(chosen.flatMap(textOf).join('\n'));
}

/** The canonical text of a record's output: every output message's text. */
export function responseText(output: ContentDocument): string {
  const list = messages(output);
  return canonical(list ? list.flatMap(textOf).join('\n') : documentText(output));
}
