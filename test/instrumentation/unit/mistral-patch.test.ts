/**
 * The Mistral instrumentation patches a class the package does not export (`Chat`) through the
 * client's `chat` getter; unpatching must leave both exactly as they were.
 */
import { MistralInstrumentation } from '../../../instrumentation/src/providers/mistral';

class Chat {
  async complete(): Promise<string> {
    return 'complete';
  }
  async stream(): Promise<string> {
    return 'stream';
  }
}

class Mistral {
  private _chat: Chat | undefined;
  get chat(): Chat {
    return (this._chat ??= new Chat());
  }
}

test('patch wraps Chat on first access to the getter; unpatch restores the getter and Chat', async () => {
  const exports = { Mistral };
  const getter = Object.getOwnPropertyDescriptor(Mistral.prototype, 'chat');
  const { complete, stream } = Chat.prototype;
  const [definition] = new MistralInstrumentation({ capture: 'no_content', enabled: false }).getModuleDefinitions();

  expect(definition?.patch?.(exports)).toBe(exports);
  expect(Object.getOwnPropertyDescriptor(Mistral.prototype, 'chat')).not.toEqual(getter);
  expect(Chat.prototype.complete).toBe(complete);
  const chat = new Mistral().chat;
  expect(chat).toBeInstanceOf(Chat);
  expect(Chat.prototype.complete).not.toBe(complete);
  expect(Chat.prototype.stream).not.toBe(stream);
  await expect(chat.complete()).resolves.toBe('complete');

  definition?.unpatch?.(exports);
  expect(Object.getOwnPropertyDescriptor(Mistral.prototype, 'chat')).toEqual(getter);
  expect(Chat.prototype.complete).toBe(complete);
  expect(Chat.prototype.stream).toBe(stream);
});
