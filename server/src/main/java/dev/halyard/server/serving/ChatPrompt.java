package dev.halyard.server.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halyard.model.chat.ChatMessage;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.openai.ChatRequest;
import dev.halyard.server.openai.ToolSpec;
import dev.halyard.server.tools.ToolPrompt;
import java.util.List;
import java.util.Map;

/**
 * The prompt tokens of a conversation: the model's chat template renders the messages (and the tools,
 * when the template knows them; otherwise they are described in the system message), the generation
 * prompt is appended, and the text is tokenized with special tokens.
 */
final class ChatPrompt {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatPrompt() {}

    static int[] tokens(LoadedModel m, ChatRequest req) {
        List<ChatMessage> messages = req.messages();
        List<Map<String, Object>> tools = null;
        if (req.toolChoice().mode() != ToolSpec.Choice.Mode.NONE && !req.tools().isEmpty()) {
            List<JsonNode> raw = req.tools().stream().map(ToolSpec::raw).toList();
            if (m.chatTemplate().template().source().contains("tools")) {
                tools = raw.stream().map(ChatPrompt::asMap).toList();
            } else {
                messages = ToolPrompt.withTools(messages, raw);
            }
        }
        String text = m.chatTemplate().render(messages, tools, true, null);
        return m.tokenizer().encode(text, true, true);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(JsonNode n) {
        return JSON.convertValue(n, Map.class);
    }
}
