package dev.halyard.model.chat;

import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;

/**
 * The globals Hugging Face adds to every chat template: {@code raise_exception(msg)}, which stops the
 * render with the template's message, and {@code strftime_now(fmt)}, the current local time
 * formatted with Python's strftime directives.
 */
final class ChatFunctions {
    private ChatFunctions() {}

    static List<ELFunctionDefinition> all() {
        return List.of(function("raise_exception", "raiseException"), function("strftime_now", "strftimeNow"));
    }

    private static ELFunctionDefinition function(String name, String method) {
        try {
            var m = ChatFunctions.class.getDeclaredMethod(method, Object.class);
            m.setAccessible(true); // the engine calls it reflectively from its own package
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /** Called by templates; aborts the render with {@code template raised: <message>}. */
    static Object raiseException(Object message) {
        throw new RenderGuard.Abort("template raised: " + PyValues.str(message));
    }

    /** Called by templates: the render clock's local time in Python's strftime format. */
    static String strftimeNow(Object format) {
        if (!(format instanceof String f)) throw new RenderGuard.Abort("strftime_now() argument must be str, not " + PyMethods.typeName(format));
        return strftime(ZonedDateTime.now(RenderGuard.current().clock), f);
    }

    /** Python's strftime in the C locale; glibc's {@code %-d} (no padding) is accepted too. */
    static String strftime(ZonedDateTime t, String f) {
        var sb = new StringBuilder();
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c != '%' || i + 1 >= f.length()) {
                sb.append(c);
                continue;
            }
            char d = f.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < f.length()) {
                pad = false;
                d = f.charAt(++i);
            }
            switch (d) {
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'd' -> num(sb, t.getDayOfMonth(), 2, pad);
                case 'e' -> sb.append(pad && t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'm' -> num(sb, t.getMonthValue(), 2, pad);
                case 'y' -> num(sb, t.getYear() % 100, 2, pad);
                case 'Y' -> sb.append(t.getYear());
                case 'H' -> num(sb, t.getHour(), 2, pad);
                case 'I' -> num(sb, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, pad);
                case 'M' -> num(sb, t.getMinute(), 2, pad);
                case 'S' -> num(sb, t.getSecond(), 2, pad);
                case 'f' -> num(sb, t.getNano() / 1000, 6, true);
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> num(sb, t.getDayOfYear(), 3, pad);
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case 'u' -> sb.append(t.getDayOfWeek().getValue());
                case 'z' -> sb.append(t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", ""));
                case 'Z' -> sb.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'F' -> sb.append(strftime(t, "%Y-%m-%d"));
                case 'T' -> sb.append(strftime(t, "%H:%M:%S"));
                case 'D' -> sb.append(strftime(t, "%m/%d/%y"));
                case 'c' -> sb.append(strftime(t, "%a %b %e %H:%M:%S %Y"));
                case 'x' -> sb.append(strftime(t, "%m/%d/%y"));
                case 'X' -> sb.append(strftime(t, "%H:%M:%S"));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(pad ? "" : "-").append(d);
            }
        }
        return sb.toString();
    }

    private static void num(StringBuilder sb, int v, int width, boolean pad) {
        String s = Integer.toString(v);
        if (pad) sb.append("0".repeat(Math.max(0, width - s.length())));
        sb.append(s);
    }
}
