package dev.halyard.server.serving;

import dev.halyard.model.tokenizer.Tokenizer;
import dev.halyard.runtime.engine.TokenLogprob;
import dev.halyard.server.openai.ChatWire;
import dev.halyard.server.openai.CompletionWire;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Engine logprobs in OpenAI's two formats: chat ({@code content: [...]}) and legacy completions. */
final class LogprobFormat {
    private LogprobFormat() {}

    /**
     * A token's text as OpenAI reports it: its bytes as UTF-8 (a partial character shows as U+FFFD);
     * a control token without bytes (BOS, EOS) shows its vocabulary text, e.g. {@code <s>}.
     */
    static String text(Tokenizer tok, int id) {
        byte[] b = tok.tokenBytes(id);
        return b.length == 0 ? tok.tokenText(id) : new String(b, StandardCharsets.UTF_8);
    }

    static int[] bytes(Tokenizer tok, int id) {
        byte[] b = tok.tokenBytes(id);
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xFF;
        return out;
    }

    static ChatWire.Logprobs chat(Tokenizer tok, List<TokenLogprob> lps) {
        List<ChatWire.TokenLogprob> content = new ArrayList<>(lps.size());
        for (TokenLogprob lp : lps) {
            List<ChatWire.TopLogprob> top = new ArrayList<>(lp.top().size());
            for (TokenLogprob.Top t : lp.top()) top.add(new ChatWire.TopLogprob(text(tok, t.token()), t.logprob(), bytes(tok, t.token())));
            content.add(new ChatWire.TokenLogprob(text(tok, lp.token()), lp.logprob(), bytes(tok, lp.token()), top));
        }
        return new ChatWire.Logprobs(content, null);
    }

    /**
     * The legacy format for {@code tokens} (prompt tokens first when echoing, with null logprobs where
     * none exist); {@code offset0} is the character offset of the first token's text.
     */
    static CompletionWire.Logprobs legacy(Tokenizer tok, List<Integer> tokens, List<TokenLogprob> lps, int offset0) {
        List<String> texts = new ArrayList<>(tokens.size());
        List<Float> values = new ArrayList<>(tokens.size());
        List<Map<String, Float>> tops = new ArrayList<>(tokens.size());
        List<Integer> offsets = new ArrayList<>(tokens.size());
        int offset = offset0;
        for (int i = 0; i < tokens.size(); i++) {
            String t = text(tok, tokens.get(i));
            TokenLogprob lp = i < lps.size() ? lps.get(i) : null;
            texts.add(t);
            offsets.add(offset);
            offset += t.length();
            values.add(lp == null ? null : lp.logprob());
            if (lp == null) {
                tops.add(null);
            } else {
                Map<String, Float> top = new LinkedHashMap<>();
                for (TokenLogprob.Top x : lp.top()) top.putIfAbsent(text(tok, x.token()), x.logprob());
                tops.add(top);
            }
        }
        return new CompletionWire.Logprobs(texts, values, tops, offsets);
    }
}
