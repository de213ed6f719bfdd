package dev.halyard.cli;

import java.util.List;

/**
 * Built-in chat formats for the CLI's chat, picked by recognising the family of the model's Jinja
 * template (the server renders the template itself). BOS is not part of the text: the tokenizer adds
 * it. {@link #PLAIN} is the fallback for models without a template.
 */
public enum ChatFormat {
    CHATML, LLAMA3, PHI3, GEMMA, LLAMA2, PLAIN;

    public record Message(String role, String content) {}

    /** The format whose markers the template uses; PLAIN when there is none or it is unknown. */
    public static ChatFormat detect(String template) {
        if (template == null) return PLAIN;
        if (template.contains("<|im_start|>")) return CHATML;
        if (template.contains("<|start_header_id|>")) return LLAMA3;
        if (template.contains("<|assistant|>") && template.contains("<|end|>")) return PHI3;
        if (template.contains("<start_of_turn>")) return GEMMA;
        if (template.contains("[INST]")) return LLAMA2;
        return PLAIN;
    }

    /** The prompt for {@code messages}, ending where the assistant's reply begins. */
    public String render(List<Message> messages) {
        StringBuilder s = new StringBuilder();
        switch (this) {
            case CHATML -> {
                for (Message m : messages) s.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                s.append("<|im_start|>assistant\n");
            }
            case LLAMA3 -> {
                for (Message m : messages)
                    s.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n").append(m.content().strip()).append("<|eot_id|>");
                s.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            case PHI3 -> {
                for (Message m : messages) s.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
                s.append("<|assistant|>\n");
            }
            case GEMMA -> {
                String system = "";
                for (Message m : messages) {
                    if (m.role().equals("system")) {
                        system = m.content() + "\n\n";
                        continue;
                    }
                    String role = m.role().equals("assistant") ? "model" : "user";
                    s.append("<start_of_turn>").append(role).append('\n').append(system).append(m.content().strip()).append("<end_of_turn>\n");
                    system = "";
                }
                s.append("<start_of_turn>model\n");
            }
            case LLAMA2 -> {
                String system = "";
                for (Message m : messages) {
                    switch (m.role()) {
                        case "system" -> system = "<<SYS>>\n" + m.content() + "\n<</SYS>>\n\n";
                        case "assistant" -> s.append(' ').append(m.content().strip()).append(" </s>");
                        default -> {
                            s.append("[INST] ").append(system).append(m.content().strip()).append(" [/INST]");
                            system = "";
                        }
                    }
                }
            }
            case PLAIN -> {
                for (Message m : messages) s.append(capitalise(m.role())).append(": ").append(m.content()).append('\n');
                s.append("Assistant:");
            }
        }
        return s.toString();
    }

    /** Text that ends a reply for formats whose turn end is not a special token. */
    public List<String> stops() {
        return switch (this) {
            case PLAIN -> List.of("\nUser:");
            case CHATML -> List.of("<|im_end|>");
            case LLAMA3 -> List.of("<|eot_id|>");
            case PHI3 -> List.of("<|end|>");
            case GEMMA -> List.of("<end_of_turn>");
            case LLAMA2 -> List.of("[INST]");
        };
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
