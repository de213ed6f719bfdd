package dev.halyard.server.tools;

/** A function call found in a model's output: the function's name and its arguments as compact JSON. */
public record ParsedCall(String name, String argumentsJson) {}
