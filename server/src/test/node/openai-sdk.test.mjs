// The official OpenAI Node SDK, unchanged, against Halyard servers that OpenAiNodeSdkTest starts:
//   HALYARD_URL       stories260K, API key "sk-test"
//   HALYARD_BUSY_URL  stories260K, one running and one waiting request at most (for 429)
//   HALYARD_SLOW_URL  stories260K whose load never finishes during the test (for 503)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const MODEL = 'stories260K';
const client = new OpenAI({ baseURL: process.env.HALYARD_URL + '/v1', apiKey: 'sk-test', maxRetries: 0 });

test('models are listed and found by id', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, [MODEL]);
  assert.equal((await client.models.retrieve(MODEL)).id, MODEL);
});

test('a chat completion answers with text, usage and finish_reason', async () => {
  const c = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 12, temperature: 0 });
  assert.equal(c.object, 'chat.completion');
  assert.ok(c.choices[0].message.content.length > 0);
  assert.equal(c.choices[0].finish_reason, 'length');
  assert.equal(c.usage.completion_tokens, 12);
});

test('a streamed chat completion yields the same text, then usage', async () => {
  const body = { model: MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 12, temperature: 0 };
  const whole = (await client.chat.completions.create(body)).choices[0].message.content;
  const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
  let text = '', usage = null, finish = null;
  for await (const chunk of stream) {
    for (const ch of chunk.choices) {
      text += ch.delta.content ?? '';
      finish = ch.finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, whole);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 12);
});

test('completions return legacy logprobs', async () => {
  const c = await client.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 5, temperature: 0, logprobs: 2, echo: true });
  const lp = c.choices[0].logprobs;
  assert.ok(c.choices[0].text.startsWith('Once upon a time'));
  assert.equal(lp.tokens.length, c.usage.prompt_tokens + 5);
  assert.equal(lp.token_logprobs[0], null);
  assert.equal(lp.top_logprobs.at(-1) !== null, true);
});

test('embeddings are unit vectors, as floats and as base64', async () => {
  const e = await client.embeddings.create({ model: MODEL, input: ['The cat sat.', 'A dog ran.'] });
  assert.equal(e.data.length, 2);
  const v = e.data[0].embedding;
  assert.equal(v.length, 64);
  assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
  // the SDK asks for base64 by default when no encoding_format is given and decodes it itself
  const b = await client.embeddings.create({ model: MODEL, input: 'The cat sat.', encoding_format: 'base64' });
  assert.equal(typeof b.data[0].embedding, 'string');
});

test('json_schema output parses and validates', async () => {
  const schema = { type: 'object', properties: { mood: { enum: ['happy', 'sad'] }, sunny: { type: 'boolean' } }, required: ['mood', 'sunny'], additionalProperties: false };
  const c = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'How is the day?' }], temperature: 1, seed: 3,
    response_format: { type: 'json_schema', json_schema: { name: 'day', schema, strict: true } } });
  const o = JSON.parse(c.choices[0].message.content);
  assert.ok(['happy', 'sad'].includes(o.mood));
  assert.equal(typeof o.sunny, 'boolean');
});

test('a required tool comes back as a tool call', async () => {
  const tools = [{ type: 'function', function: { name: 'set_mood', parameters: { type: 'object', properties: { mood: { enum: ['happy', 'sad'] } }, required: ['mood'] } } }];
  const c = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Be happy' }], tools, tool_choice: 'required' });
  const call = c.choices[0].message.tool_calls[0];
  assert.equal(c.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'set_mood');
  assert.ok(['happy', 'sad'].includes(JSON.parse(call.function.arguments).mood));
});

test('each error class arrives as the SDK typed error', async () => {
  const chat = (c, extra) => c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, ...extra });
  await assert.rejects(chat(client, { temperature: 3 }), (e) => e instanceof OpenAI.BadRequestError && e.param === 'temperature');
  await assert.rejects(chat(client, { max_tokens: 100000 }), (e) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded');
  await assert.rejects(chat(client, { model: 'gpt-4o' }), (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
  const wrongKey = new OpenAI({ baseURL: process.env.HALYARD_URL + '/v1', apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(chat(wrongKey, {}), (e) => e instanceof OpenAI.AuthenticationError);
  await assert.rejects(chat(client, { messages: [{ role: 'user', content: 'x'.repeat(5 << 20) }] }), (e) => e instanceof OpenAI.APIError && e.status === 413);

  const slow = new OpenAI({ baseURL: process.env.HALYARD_SLOW_URL + '/v1', apiKey: 'none', maxRetries: 0 });
  await assert.rejects(chat(slow, {}), (e) => e instanceof OpenAI.InternalServerError && e.status === 503 && e.headers.get('retry-after') !== null);

  const busy = new OpenAI({ baseURL: process.env.HALYARD_BUSY_URL + '/v1', apiKey: 'none', maxRetries: 0 });
  const results = await Promise.allSettled(Array.from({ length: 8 }, () =>
    chat(busy, { messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 450, ignore_eos: true })));
  assert.ok(results.some((r) => r.status === 'rejected' && r.reason instanceof OpenAI.RateLimitError), 'some requests get 429');
  assert.ok(results.some((r) => r.status === 'fulfilled'), 'some are served');
});
