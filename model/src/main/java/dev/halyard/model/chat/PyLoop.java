package dev.halyard.model.chat;

import com.hubspot.jinjava.util.ForLoop;
import java.util.List;

/** The engine's loop state (which its break/continue tags drive), plus Jinja2's previtem and nextitem. */
final class PyLoop extends ForLoop {
    private final List<Object> items;

    PyLoop(List<Object> items) {
        super(items.iterator(), items.size());
        this.items = items;
    }

    Object previtem() {
        int i = getIndex0();
        return i > 0 ? items.get(i - 1) : null;
    }

    Object nextitem() {
        int i = getIndex0();
        return i + 1 < items.size() ? items.get(i + 1) : null;
    }
}
