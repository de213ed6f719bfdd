package dev.halyard.model.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The conversations and tool definitions the template tests render. */
final class Conversations {
    private Conversations() {}

    static final String SYSTEM = "You are a helpful assistant.";

    /** system, user, assistant, user. */
    static List<ChatMessage> simple() {
        return List.of(
                ChatMessage.system(SYSTEM),
                ChatMessage.user("Hello"),
                ChatMessage.assistant("Hi there!"),
                ChatMessage.user("How are you?"));
    }

    /** system, user, assistant calling get_weather, the tool's answer, assistant, user. */
    static List<ChatMessage> withToolCall() {
        return List.of(
                ChatMessage.system(SYSTEM),
                ChatMessage.user("What is the weather in Paris?"),
                ChatMessage.assistant(null, List.of(new ToolCall("call_1", "get_weather", "{\"city\": \"Paris\", \"unit\": \"celsius\"}"))),
                ChatMessage.tool("call_1", "22 degrees and sunny"),
                ChatMessage.assistant("It is 22 °C and sunny in Paris."),
                ChatMessage.user("Thanks!"));
    }

    /** One OpenAI function tool, as the server would pass it after parsing the request JSON. */
    static List<Map<String, Object>> weatherTool() {
        Map<String, Object> unit = new LinkedHashMap<>();
        unit.put("type", "string");
        unit.put("enum", List.of("celsius", "fahrenheit"));
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("city", Map.of("type", "string"));
        properties.put("unit", unit);
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", properties);
        parameters.put("required", List.of("city"));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("description", "Get the current weather");
        function.put("parameters", parameters);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return List.of(tool);
    }

    /** weatherTool() as json.dumps prints it on one line. */
    static final String WEATHER_TOOL_JSON = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the current weather\", "
            + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}, \"unit\": {\"type\": \"string\", \"enum\": [\"celsius\", \"fahrenheit\"]}}, "
            + "\"required\": [\"city\"]}}}";

    /** weatherTool() as json.dumps(indent=4) prints it. */
    static final String WEATHER_TOOL_JSON_INDENT4 = """
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Get the current weather",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "city": {
                                "type": "string"
                            },
                            "unit": {
                                "type": "string",
                                "enum": [
                                    "celsius",
                                    "fahrenheit"
                                ]
                            }
                        },
                        "required": [
                            "city"
                        ]
                    }
                }
            }""";
}
