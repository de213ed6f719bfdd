/**
 * The service: an OpenAI-compatible HTTP API over the engine. Data path: http (routes) → openai
 * (wire records, validation, mapping) → models (which engine serves a model id) → runtime engine.
 */
package dev.halyard.server;
