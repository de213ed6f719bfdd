package dev.halyard.model.chat;

import java.util.Map;

/**
 * Chat templates for models whose files carry none, as Jinja sources with their special tokens. Each
 * follows its publisher's documented prompt format (the same formats llama.cpp's built-in templates
 * produce).
 */
final class BuiltinTemplates {
    private BuiltinTemplates() {}

    record Builtin(String source, String bosToken, String eosToken) {}

    /** ChatML (Qwen, Yi, many fine-tunes): {@code <|im_start|>role\ncontent<|im_end|>\n}. */
    static final String CHATML = """
            {%- for message in messages %}
                {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    /** Llama 3 Instruct: header ids around the role, content trimmed, {@code <|eot_id|>} after each turn. */
    static final String LLAMA3 = """
            {{- bos_token }}
            {%- for message in messages %}
                {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """;

    /** Llama 2 chat: {@code <s>[INST] <<SYS>>…<</SYS>> user [/INST] answer </s>}; roles must alternate. */
    static final String LLAMA2 = """
            {%- if messages[0]['role'] == 'system' %}
                {%- set system_message = '<<SYS>>\\n' + messages[0]['content'] | trim + '\\n<</SYS>>\\n\\n' %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set system_message = '' %}
                {%- set loop_messages = messages %}
            {%- endif %}
            {%- for message in loop_messages %}
                {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                    {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
                {%- endif %}
                {%- set content = (system_message if loop.first else '') + message['content'] %}
                {%- if message['role'] == 'user' %}
                    {{- bos_token + '[INST] ' + content | trim + ' [/INST]' }}
                {%- elif message['role'] == 'assistant' %}
                    {{- ' ' + content | trim + ' ' + eos_token }}
                {%- endif %}
            {%- endfor %}
            """;

    /** Phi-3: {@code <|role|>\ncontent<|end|>\n}; without a generation prompt the text ends with EOS. */
    static final String PHI3 = """
            {%- for message in messages %}
                {{- '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|assistant|>\\n' }}
            {%- else %}
                {{- eos_token }}
            {%- endif %}
            """;

    /**
     * Gemma: {@code <start_of_turn>user|model\n…<end_of_turn>\n}; a system message is put before the
     * first user turn (as Gemma 3 does); roles must alternate.
     */
    static final String GEMMA = """
            {{- bos_token }}
            {%- if messages[0]['role'] == 'system' %}
                {%- set first_user_prefix = messages[0]['content'] | trim + '\\n\\n' %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set first_user_prefix = '' %}
                {%- set loop_messages = messages %}
            {%- endif %}
            {%- for message in loop_messages %}
                {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                    {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
                {%- endif %}
                {%- set role = 'model' if message['role'] == 'assistant' else message['role'] %}
                {{- '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') + message['content'] | trim + '<end_of_turn>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<start_of_turn>model\\n' }}
            {%- endif %}
            """;

    /** A plain transcript for base models: the system text, then "User: …" / "Assistant: …" lines. */
    static final String PLAIN = """
            {%- for message in messages %}
                {%- if message['role'] == 'system' %}
                    {{- message['content'] + '\\n\\n' }}
                {%- elif message['role'] == 'user' %}
                    {{- 'User: ' + message['content'] + '\\n' }}
                {%- elif message['role'] == 'assistant' %}
                    {{- 'Assistant: ' + message['content'] + '\\n' }}
                {%- else %}
                    {{- message['role'] | capitalize + ': ' + message['content'] + '\\n' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- 'Assistant:' }}
            {%- endif %}
            """;

    private static final Map<String, Builtin> ALL = Map.of(
            "chatml", new Builtin(CHATML, "", "<|im_end|>"),
            "llama3", new Builtin(LLAMA3, "<|begin_of_text|>", "<|eot_id|>"),
            "llama2", new Builtin(LLAMA2, "<s>", "</s>"),
            "phi3", new Builtin(PHI3, "<s>", "<|endoftext|>"),
            "gemma", new Builtin(GEMMA, "<bos>", "<end_of_turn>"),
            "plain", new Builtin(PLAIN, "", ""));

    static Builtin get(String name) {
        Builtin b = name == null ? null : ALL.get(name);
        if (b == null) throw new IllegalArgumentException("built-in chat template must be one of " + new java.util.TreeSet<>(ALL.keySet()) + ", got " + (name == null ? "null" : "'" + name + "'"));
        return b;
    }
}
