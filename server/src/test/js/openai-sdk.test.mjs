// The official OpenAI Node SDK against a running Halyard server, with Node's built-in test runner.
// Run by dev.halyard.server.clients.OpenAiNodeSdkTest, which starts the servers and sets:
//   HALYARD_OPENAI_SDK          directory of the installed npm package `openai` (holds index.mjs)
//   HALYARD_BASE_URL            http://127.0.0.1:PORT/v1 of a server serving HALYARD_MODEL
//   HALYARD_MODEL               model id (stories260K)
//   HALYARD_EMBEDDING_DIM       the model's width (length of an embedding)
//   HALYARD_CONTEXT_LENGTH      positions per sequence the server allows for the model
//   HALYARD_MAX_BODY_BYTES      the server's request body limit
//   HALYARD_EXPECTED_JSON       shared/models/stories260K/expected.json (greedy golden)
//   HALYARD_SMALL_QUEUE_BASE_URL  a second server whose queue holds one waiting request
//   HALYARD_LOADING_BASE_URL    optional: a server whose model is still loading (else that case is skipped)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
};
const sdk = await import(pathToFileURL(join(env('HALYARD_OPENAI_SDK'), 'index.mjs')).href);
const { default: OpenAI, APIError, BadRequestError, NotFoundError, RateLimitError, InternalServerError } = sdk;

const MODEL = env('HALYARD_MODEL');
const DIM = Number(env('HALYARD_EMBEDDING_DIM'));
const CONTEXT = Number(env('HALYARD_CONTEXT_LENGTH'));
const MAX_BODY = Number(env('HALYARD_MAX_BODY_BYTES'));
const EXPECTED = JSON.parse(readFileSync(env('HALYARD_EXPECTED_JSON'), 'utf8'));
const client = new OpenAI({ baseURL: env('HALYARD_BASE_URL'), apiKey: 'any-key', maxRetries: 0, timeout: 30_000 });
const T = { timeout: 30_000 };

const STORY = [{ role: 'system', content: 'You tell short stories.' }, { role: 'user', content: 'Tell me a story about a cat.' }];

/** Usage as OpenAI reports it: positive counts that add up, no more completion tokens than allowed. */
function assertUsage(usage, maxTokens) {
  assert.ok(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0, `prompt_tokens ${usage.prompt_tokens}`);
  assert.ok(Number.isInteger(usage.completion_tokens) && usage.completion_tokens > 0, `completion_tokens ${usage.completion_tokens}`);
  assert.ok(usage.completion_tokens <= maxTokens, `completion_tokens ${usage.completion_tokens} > max_tokens ${maxTokens}`);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

/** finish_reason agrees with the token count: "length" exactly when max_tokens was reached. */
function assertFinish(finishReason, usage, maxTokens) {
  assert.ok(['stop', 'length'].includes(finishReason), `finish_reason ${finishReason}`);
  if (finishReason === 'length') assert.equal(usage.completion_tokens, maxTokens);
  else assert.ok(usage.completion_tokens <= maxTokens);
}

/** The error a call rejects with (fails when it resolves). */
async function rejection(promise) {
  try {
    const r = await promise;
    assert.fail(`expected an error, got ${JSON.stringify(r).slice(0, 300)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return e;
  }
}

function header(error, name) {
  const h = error.headers;
  return typeof h?.get === 'function' ? h.get(name) : h?.[name];
}

// ---------------------------------------------------------------- models

test('models.list contains the served model', T, async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.object, 'model');
    ids.push(m.id);
  }
  assert.ok(ids.includes(MODEL), `models ${JSON.stringify(ids)}`);
  const one = await client.models.retrieve(MODEL);
  assert.equal(one.id, MODEL);
});

// ---------------------------------------------------------------- chat

test('chat.completions.create returns a message, usage and finish_reason', T, async () => {
  const r = await client.chat.completions.create({ model: MODEL, messages: STORY, max_tokens: 24, temperature: 0, seed: 7 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, MODEL);
  assert.ok(r.id && typeof r.created === 'number');
  assert.equal(r.choices.length, 1);
  const c = r.choices[0];
  assert.equal(c.index, 0);
  assert.equal(c.message.role, 'assistant');
  assert.ok(typeof c.message.content === 'string' && c.message.content.length > 0, `content ${JSON.stringify(c.message.content)}`);
  assertUsage(r.usage, 24);
  assertFinish(c.finish_reason, r.usage, 24);
});

test('chat.completions.create streamed concatenates to the greedy reply, with a final usage chunk', T, async () => {
  const params = { model: MODEL, messages: STORY, max_tokens: 40, temperature: 0, seed: 11 };
  const whole = await client.chat.completions.create(params);
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  let role = null;
  const ids = new Set();
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    ids.add(chunk.id);
    assert.equal(usage, null, 'no chunk may follow the usage chunk');
    if (chunk.usage) {
      assert.deepEqual(chunk.choices, [], 'the usage chunk has no choices');
      usage = chunk.usage;
      continue;
    }
    assert.equal(chunk.choices.length, 1);
    const d = chunk.choices[0];
    if (d.delta.role) role = d.delta.role;
    if (d.delta.content) text += d.delta.content;
    if (d.finish_reason) {
      assert.equal(finish, null, 'one finish_reason per choice');
      finish = d.finish_reason;
    }
  }
  assert.ok(chunks > 2, `only ${chunks} chunks`);
  assert.equal(ids.size, 1, 'all chunks share one id');
  assert.equal(role, 'assistant');
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, whole.choices[0].finish_reason);
  assert.ok(usage, 'stream_options.include_usage gives a final usage chunk');
  assert.deepEqual(
    [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens],
    [whole.usage.prompt_tokens, whole.usage.completion_tokens, whole.usage.total_tokens]);
});

test('a streamed chat without stream_options carries no usage', T, async () => {
  const stream = await client.chat.completions.create({ model: MODEL, messages: STORY, max_tokens: 5, temperature: 0, stream: true });
  for await (const chunk of stream) {
    assert.ok(chunk.usage == null, `unexpected usage ${JSON.stringify(chunk.usage)}`);
    assert.equal(chunk.choices.length, 1);
  }
});

// ---------------------------------------------------------------- completions

test('completions.create at temperature 0 reproduces the greedy golden, with legacy logprobs', T, async () => {
  const r = await client.completions.create({ model: MODEL, prompt: EXPECTED.prompt, max_tokens: 32, temperature: 0, logprobs: 3 });
  assert.equal(r.object, 'text_completion');
  const c = r.choices[0];
  assert.equal(c.text, EXPECTED.greedy_text);
  assert.equal(c.finish_reason, 'length');
  assert.deepEqual([r.usage.prompt_tokens, r.usage.completion_tokens], [EXPECTED.prompt_ids.length, 32]);
  assert.equal(r.usage.total_tokens, EXPECTED.prompt_ids.length + 32);

  const lp = c.logprobs;
  for (const key of ['tokens', 'token_logprobs', 'top_logprobs', 'text_offset']) assert.equal(lp[key].length, 32, key);
  assert.equal(lp.tokens.join(''), c.text);
  for (let i = 0; i < 32; i++) {
    assert.ok(lp.token_logprobs[i] <= 0, `token_logprobs[${i}] ${lp.token_logprobs[i]}`);
    const top = Object.entries(lp.top_logprobs[i]);
    assert.ok(top.length >= 1 && top.length <= 3, `top_logprobs[${i}] has ${top.length} entries`);
    const best = Math.max(...top.map(([, v]) => v));
    assert.ok(Math.abs(best - lp.token_logprobs[i]) < 1e-4, `greedy token ${i} is not the most likely`);
    assert.ok(lp.tokens[i] in lp.top_logprobs[i], `token ${JSON.stringify(lp.tokens[i])} missing from top_logprobs[${i}]`);
    if (i > 0) assert.equal(lp.text_offset[i] - lp.text_offset[i - 1], lp.tokens[i - 1].length, `text_offset[${i}]`);
  }
  // Differences of log-probabilities are differences of logits: check them against llama.cpp's top logits.
  const first = Object.values(lp.top_logprobs[0]).sort((a, b) => b - a);
  assert.equal(first.length, 3);
  const logits = EXPECTED.first_step_top5_logits;
  assert.ok(Math.abs((first[0] - first[1]) - (logits[0] - logits[1])) < 2e-3, `top1-top2 ${first[0] - first[1]}`);
  assert.ok(Math.abs((first[1] - first[2]) - (logits[1] - logits[2])) < 2e-3, `top2-top3 ${first[1] - first[2]}`);
});

test('completions.create with echo returns the prompt before the completion', T, async () => {
  const r = await client.completions.create({ model: MODEL, prompt: EXPECTED.prompt, max_tokens: 8, temperature: 0, echo: true });
  const c = r.choices[0];
  assert.ok(c.text.startsWith(EXPECTED.prompt), `text ${JSON.stringify(c.text)}`);
  assert.ok(EXPECTED.greedy_text.startsWith(c.text.slice(EXPECTED.prompt.length)), `text ${JSON.stringify(c.text)}`);
  assert.equal(r.usage.completion_tokens, 8);
});

test('completions.create with echo and logprobs covers prompt and completion tokens', T, async () => {
  const r = await client.completions.create({ model: MODEL, prompt: EXPECTED.prompt, max_tokens: 4, temperature: 0, echo: true, logprobs: 1 });
  const c = r.choices[0];
  const lp = c.logprobs;
  const n = r.usage.prompt_tokens + r.usage.completion_tokens;
  for (const key of ['tokens', 'token_logprobs', 'top_logprobs', 'text_offset']) assert.equal(lp[key].length, n, key);
  assert.ok(c.text.startsWith(EXPECTED.prompt), `text ${JSON.stringify(c.text)}`);
  assert.ok(c.text.endsWith(lp.tokens.slice(r.usage.prompt_tokens).join('')), 'the completion tokens end the text');
  assert.equal(lp.token_logprobs[0], null, 'the first prompt token has no logprob');
  for (let i = 1; i < lp.token_logprobs.length; i++) assert.ok(lp.token_logprobs[i] <= 0, `token_logprobs[${i}]`);
});

// ---------------------------------------------------------------- embeddings

function assertUnit(vec) {
  assert.equal(vec.length, DIM);
  const norm = Math.sqrt(vec.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-3, `L2 norm ${norm}`);
}

test('embeddings.create returns unit vectors of the model width (SDK default base64 and float)', T, async () => {
  const input = ['Once upon a time', 'The cat sat on the mat.'];
  const b64 = await client.embeddings.create({ model: MODEL, input });
  const flt = await client.embeddings.create({ model: MODEL, input, encoding_format: 'float' });
  for (const r of [b64, flt]) {
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 2);
    r.data.forEach((d, i) => {
      assert.equal(d.object, 'embedding');
      assert.equal(d.index, i);
      assertUnit(Array.from(d.embedding));
    });
    assert.ok(r.usage.prompt_tokens > 0);
  }
  for (let i = 0; i < 2; i++) {
    const a = Array.from(b64.data[i].embedding);
    const b = flt.data[i].embedding;
    assert.ok(a.every((x, j) => Math.abs(x - b[j]) < 1e-6), `base64 and float embeddings of input ${i} differ`);
  }
  const cos = flt.data[0].embedding.reduce((s, x, j) => s + x * flt.data[1].embedding[j], 0);
  assert.ok(cos < 0.9999, 'different inputs give different embeddings');
});

// ---------------------------------------------------------------- structured output

const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 12 },
    age: { type: 'integer', minimum: 0, maximum: 120 },
    likes_cats: { type: 'boolean' },
  },
  required: ['name', 'age', 'likes_cats'],
  additionalProperties: false,
};

function assertPerson(value) {
  assert.equal(typeof value, 'object');
  assert.deepEqual(Object.keys(value).sort(), ['age', 'likes_cats', 'name']);
  assert.equal(typeof value.name, 'string');
  assert.ok(value.name.length <= 12, `name ${JSON.stringify(value.name)}`);
  assert.ok(Number.isInteger(value.age) && value.age >= 0 && value.age <= 120, `age ${value.age}`);
  assert.equal(typeof value.likes_cats, 'boolean');
}

test('response_format json_schema yields JSON that validates against the schema', T, async () => {
  const r = await client.chat.completions.create({
    model: MODEL, max_tokens: 200, temperature: 0.8, seed: 3,
    messages: [{ role: 'user', content: 'Describe a person as JSON.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema: PERSON } },
  });
  const c = r.choices[0];
  assert.equal(c.finish_reason, 'stop', `finish_reason ${c.finish_reason}, content ${c.message.content}`);
  assertPerson(JSON.parse(c.message.content));
});

test('response_format json_object yields a JSON object', T, async () => {
  const r = await client.chat.completions.create({
    model: MODEL, max_tokens: 200, temperature: 0, messages: [{ role: 'user', content: 'Answer in JSON.' }],
    response_format: { type: 'json_object' },
  });
  const c = r.choices[0];
  if (c.finish_reason === 'stop') {
    const v = JSON.parse(c.message.content);
    assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `content ${c.message.content}`);
  } else {
    assert.equal(c.finish_reason, 'length');
    assert.ok(c.message.content.trimStart().startsWith('{'), `content ${c.message.content}`);
  }
});

// ---------------------------------------------------------------- tools

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 20 }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const TOOL_PARAMS = {
  model: MODEL, max_tokens: 120, temperature: 0,
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
  tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_weather' } },
};

function assertWeatherArgs(json) {
  const args = JSON.parse(json);
  assert.deepEqual(Object.keys(args).sort(), ['city', 'unit']);
  assert.equal(typeof args.city, 'string');
  assert.ok(args.city.length <= 20);
  assert.ok(['celsius', 'fahrenheit'].includes(args.unit), `unit ${args.unit}`);
}

test('a tool_choice naming a function returns that tool call', T, async () => {
  const r = await client.chat.completions.create(TOOL_PARAMS);
  const c = r.choices[0];
  assert.equal(c.finish_reason, 'tool_calls');
  assert.ok(c.message.tool_calls?.length >= 1, `message ${JSON.stringify(c.message)}`);
  const call = c.message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.ok(typeof call.id === 'string' && call.id.length > 0);
  assert.equal(call.function.name, 'get_weather');
  assertWeatherArgs(call.function.arguments);
});

test('a streamed tool call arrives as deltas that add up to the same call', T, async () => {
  const whole = await client.chat.completions.create(TOOL_PARAMS);
  const stream = await client.chat.completions.create({ ...TOOL_PARAMS, stream: true });
  let name = '';
  let args = '';
  let finish = null;
  for await (const chunk of stream) {
    const d = chunk.choices[0];
    for (const tc of d?.delta?.tool_calls ?? []) {
      assert.equal(tc.index, 0);
      if (tc.function?.name) name += tc.function.name;
      if (tc.function?.arguments) args += tc.function.arguments;
    }
    if (d?.finish_reason) finish = d.finish_reason;
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(name, 'get_weather');
  assert.equal(args, whole.choices[0].message.tool_calls[0].function.arguments);
  assertWeatherArgs(args);
});

// ---------------------------------------------------------------- errors

test('an invalid parameter is a BadRequestError naming it', T, async () => {
  const e = await rejection(client.chat.completions.create({ model: MODEL, messages: STORY, top_p: 1.5 }));
  assert.ok(e instanceof BadRequestError, `got ${e}`);
  assert.equal(e.status, 400);
  assert.equal(e.param, 'top_p');
  assert.ok(e.message.includes('1.5'), `message ${e.message} should name the value`);
});

test('an unknown model is a NotFoundError with code model_not_found', T, async () => {
  const e = await rejection(client.chat.completions.create({ model: 'no-such-model', messages: STORY }));
  assert.ok(e instanceof NotFoundError, `got ${e}`);
  assert.equal(e.status, 404);
  assert.equal(e.code, 'model_not_found');
  const m = await rejection(client.models.retrieve('no-such-model'));
  assert.ok(m instanceof NotFoundError, `models.retrieve: got ${m}`);
});

test('an oversized body is an APIError with status 413', T, async () => {
  const big = 'a'.repeat(MAX_BODY + 1024);
  const e = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: big }] }));
  assert.ok(e instanceof APIError, `got ${e}`);
  assert.equal(e.status, 413, `got ${e}`);
});

test('a prompt longer than the context is a BadRequestError with code context_length_exceeded', T, async () => {
  const prompt = 'Once upon a time there was a cat. '.repeat(CONTEXT);
  const e = await rejection(client.completions.create({ model: MODEL, prompt, max_tokens: 4 }));
  assert.ok(e instanceof BadRequestError, `got ${e}`);
  assert.equal(e.code, 'context_length_exceeded');
  const c = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: prompt }], max_tokens: 4 }));
  assert.ok(c instanceof BadRequestError, `chat: got ${c}`);
  assert.equal(c.code, 'context_length_exceeded');
});

test('a full queue is a RateLimitError with Retry-After', T, async () => {
  const small = new OpenAI({ baseURL: env('HALYARD_SMALL_QUEUE_BASE_URL'), apiKey: 'any-key', maxRetries: 0, timeout: 60_000 });
  const calls = Array.from({ length: 8 }, (_, i) =>
    small.completions.create({ model: MODEL, prompt: `Once upon a time ${i}`, max_tokens: 200, temperature: 0 }));
  const results = await Promise.allSettled(calls);
  const limited = results.filter((r) => r.status === 'rejected');
  const served = results.filter((r) => r.status === 'fulfilled');
  assert.ok(limited.length >= 1, 'eight concurrent requests against a queue of one: at least one is refused');
  assert.ok(served.length >= 1, 'at least the running request completes');
  for (const r of limited) {
    assert.ok(r.reason instanceof RateLimitError, `got ${r.reason}`);
    assert.equal(r.reason.status, 429);
    const after = header(r.reason, 'retry-after');
    assert.ok(after && Number(after) >= 1, `Retry-After ${after}`);
  }
});

test('a model that is still loading is a 503 with Retry-After', T, async (t) => {
  const url = process.env.HALYARD_LOADING_BASE_URL;
  if (!url) {
    t.skip('the server offers no way to hold a model in its loading state (HALYARD_LOADING_BASE_URL unset)');
    return;
  }
  const loading = new OpenAI({ baseURL: url, apiKey: 'any-key', maxRetries: 0 });
  const e = await rejection(loading.chat.completions.create({ model: MODEL, messages: STORY, max_tokens: 4 }));
  assert.ok(e instanceof InternalServerError, `got ${e}`);
  assert.equal(e.status, 503);
  assert.ok(Number(header(e, 'retry-after')) >= 1, `Retry-After ${header(e, 'retry-after')}`);
});
