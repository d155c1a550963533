import { observeIterable, observeIterator, type ChunkObserver } from '../../../instrumentation/src/stream';

type Event = ['chunk', number] | ['done'] | ['error', string] | ['closed'];

function recorder(hide: (value: number) => boolean = () => false) {
  const events: Event[] = [];
  const observer: ChunkObserver<number> = {
    chunk: (value) => (events.push(['chunk', value]), !hide(value)),
    done: () => void events.push(['done']),
    error: (err) => void events.push(['error', (err as Error).message]),
    closed: () => void events.push(['closed']),
  };
  return { events, observer };
}

async function* numbers(count: number, failAt?: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error(`failed at ${i}`);
    yield i;
  }
}

async function drain(iterable: AsyncIterable<number>): Promise<number[]> {
  const seen: number[] = [];
  for await (const value of iterable) seen.push(value);
  return seen;
}

test('reports every chunk and one done; the consumer keeps the same iterator object', async () => {
  const { events, observer } = recorder();
  const iterator = numbers(3);
  observeIterator(iterator, observer);
  expect(iterator[Symbol.asyncIterator]()).toBe(iterator);
  expect(await drain(iterator)).toEqual([0, 1, 2]);
  expect(await iterator.next()).toEqual({ value: undefined, done: true });
  expect(events).toEqual([['chunk', 0], ['chunk', 1], ['chunk', 2], ['done']]);
});

test('a chunk the observer keeps back never reaches the consumer', async () => {
  const { events, observer } = recorder((value) => value === 2);
  const iterator = numbers(4);
  observeIterator(iterator, observer);
  expect(await drain(iterator)).toEqual([0, 1, 3]);
  expect(events.at(-1)).toEqual(['done']);
});

test('break calls return(): closed, once, and nothing after it', async () => {
  const { events, observer } = recorder();
  const iterator = numbers(10);
  observeIterator(iterator, observer);
  for await (const value of iterator) if (value === 1) break;
  expect(await iterator.next()).toEqual({ value: undefined, done: true });
  expect(events).toEqual([['chunk', 0], ['chunk', 1], ['closed']]);
});

test('a source error is reported and still thrown to the consumer', async () => {
  const { events, observer } = recorder();
  const iterator = numbers(5, 2);
  observeIterator(iterator, observer);
  await expect(drain(iterator)).rejects.toThrow('failed at 2');
  expect(events).toEqual([
    ['chunk', 0],
    ['chunk', 1],
    ['error', 'failed at 2'],
  ]);
});

test('reads issued without awaiting (as tee() does) come back in order, hidden chunks included', async () => {
  const { observer } = recorder((value) => value % 2 === 1);
  const iterator = numbers(7);
  observeIterator(iterator, observer);
  const results = await Promise.all([
    iterator.next(),
    iterator.next(),
    iterator.next(),
    iterator.next(),
    iterator.next(),
  ]);
  expect(results.map((result) => (result.done ? 'done' : result.value))).toEqual([0, 2, 4, 6, 'done']);
});

test('an observer that throws does not disturb the consumer', async () => {
  const observer: ChunkObserver<number> = {
    chunk: () => {
      throw new Error('observer bug');
    },
    done: () => {
      throw new Error('observer bug');
    },
    error: () => undefined,
    closed: () => undefined,
  };
  const iterator = numbers(3);
  observeIterator(iterator, observer);
  expect(await drain(iterator)).toEqual([0, 1, 2]);
});

test('observeIterable patches the owner in place and observes only the first iterator it makes', async () => {
  const { events, observer } = recorder();
  const stream = {
    iterator: () => numbers(2),
    [Symbol.asyncIterator]() {
      return this.iterator();
    },
  };
  const made: object[] = [];
  observeIterable(stream, 'iterator', observer, (iterator) => made.push(iterator));
  expect(await drain(stream)).toEqual([0, 1]);
  expect(await drain(stream)).toEqual([0, 1]);
  expect(events).toEqual([['chunk', 0], ['chunk', 1], ['done']]);
  expect(made).toHaveLength(1);
});
