package dev.halyard.server.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halyard.model.chat.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * For chat templates that know nothing of tools: describes the functions in a system message and asks
 * for the generic call format {@link ToolCallParser} reads (as llama.cpp's generic tool handler does).
 */
public final class ToolPrompt {
    private ToolPrompt() {}

    /** {@code messages} with the tool description added to the system message (one is created when absent). */
    public static List<ChatMessage> withTools(List<ChatMessage> messages, List<JsonNode> tools) {
        StringBuilder s = new StringBuilder("You can call these functions (JSON Schema of their arguments):\n");
        for (JsonNode t : tools) s.append(t.path("function").toString()).append('\n');
        s.append("To call a function, reply with only a JSON object {\"name\": <function name>, \"arguments\": <arguments object>}; ")
                .append("otherwise reply normally.");
        List<ChatMessage> out = new ArrayList<>(messages);
        if (!out.isEmpty() && out.getFirst().role().equals("system")) {
            ChatMessage sys = out.getFirst();
            String content = sys.content() == null || sys.content().isEmpty() ? s.toString() : sys.content() + "\n\n" + s;
            out.set(0, new ChatMessage("system", content, sys.toolCalls(), sys.toolCallId(), sys.name()));
        } else {
            out.addFirst(ChatMessage.system(s.toString()));
        }
        return out;
    }
}
