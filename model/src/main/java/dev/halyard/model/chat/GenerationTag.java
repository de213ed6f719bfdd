package dev.halyard.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * Hugging Face's {@code {% generation %}…{% endgeneration %}} (which marks the assistant's tokens for
 * training masks): for a prompt it renders its body unchanged.
 */
final class GenerationTag implements Tag {
    @Override
    public String getName() {
        return "generation";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interp) {
        var out = new StringBuilder();
        for (Node n : tagNode.getChildren()) out.append(n.render(interp).getValue());
        return RenderGuard.current().checkString(out.toString());
    }
}
