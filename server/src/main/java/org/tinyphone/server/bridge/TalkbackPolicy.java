package org.tinyphone.server.bridge;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an app may do to its call: the allow-list every talk-back command passes before it can reach Asterisk, on
 * every way in (the bridge checks it in {@link Call#submit}). Asterisk trusts what it is sent — an AGI
 * {@code SET VARIABLE FILE(/path)} writes that file as Asterisk's user, and AGI runs in the channel's own thread, so
 * Asterisk's {@code live_dangerously} guard does not apply — so the rules are a grammar, not a deny-list:
 * <ul>
 *   <li>sound names (play, collect_digits' prompt): relative names inside Asterisk's sounds, segments of
 *       {@code A-Z a-z 0-9 _ -} joined by {@code /} ({@code hello-world}, {@code digits/5}, {@code custom/welcome});
 *       no absolute path, no {@code .} or {@code ..}, no URL. Absolute paths only under the directories the operator
 *       lists in {@code talkback.sound-dirs};</li>
 *   <li>variable names (set_variable): a plain channel variable ({@code COLOR}, {@code _INHERITED}), never a dialplan
 *       function ({@code FILE(...)}, {@code DB(...)}, {@code SHELL(...)}) unless the operator allows that function by
 *       name in {@code talkback.functions}; names that steer Asterisk itself ({@link #RESERVED_PREFIXES}) are
 *       refused;</li>
 *   <li>numbers and digits in the ranges Asterisk reads (checked by {@link CallCommand} itself).</li>
 * </ul>
 * There is no exec-like command for apps at all: an operator who wants one writes an AGI app.
 */
public final class TalkbackPolicy {
    /** Nothing beyond the grammar: no dialplan functions, no absolute sound paths. */
    public static final TalkbackPolicy DEFAULT = new TalkbackPolicy(Set.of(), List.of());

    /** Longest sound name or path accepted. */
    public static final int MAX_SOUND = 200;
    /** Longest variable value accepted. */
    public static final int MAX_VALUE = 1024;

    /**
     * Variable names (upper-cased) that make Asterisk or Tinyphone act — run AGI differently, record to a file, open
     * features or other contexts, join another call's audio — refused whatever the config says.
     */
    public static final List<String> RESERVED_PREFIXES = List.of("AGI", "TINYPHONE", "TOUCH_", "MONITOR", "MIXMON",
            "AUTOMIXMON", "DYNAMIC_FEATURES", "TRANSFER_CONTEXT", "FORWARD_CONTEXT", "OUTBOUND_GROUP", "LIMIT_",
            "GOSUB", "MACRO", "STASIS", "ARI_", "AUDIOSOCKET", "SPOOL", "AST_");

    private static final String SEGMENT = "[A-Za-z0-9_][A-Za-z0-9_-]{0,63}";
    private static final Pattern SOUND = Pattern.compile(SEGMENT + "(?:/" + SEGMENT + "){0,7}");
    private static final Pattern VARIABLE = Pattern.compile("_{0,2}([A-Za-z][A-Za-z0-9_]{0,63})");
    private static final Pattern FUNCTION = Pattern.compile("([A-Za-z][A-Za-z0-9_]{0,31})\\(([A-Za-z0-9_,.:/@+= -]{0,128})\\)");

    private final Set<String> functions; // upper case
    private final List<Path> soundDirs;  // absolute, normalised

    /**
     * @param functions dialplan functions apps may write with set_variable, by name ({@code CALLERID}, {@code CDR})
     * @param soundDirs absolute directories whose files apps may play by absolute path
     */
    public TalkbackPolicy(Set<String> functions, List<Path> soundDirs) {
        this.functions = functions.stream().map(f -> f.trim().toUpperCase(Locale.ROOT)).filter(f -> !f.isEmpty())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        for (Path p : soundDirs) {
            if (!p.isAbsolute()) throw new IllegalArgumentException("sound directory must be absolute: " + p);
        }
        this.soundDirs = soundDirs.stream().map(Path::normalize).toList();
    }

    /** Null when the command may run; otherwise why not, in words an app developer can act on. */
    public String refusal(CallCommand command) {
        return switch (command) {
            case CallCommand.Play p -> soundRefusal("file", p.file());
            case CallCommand.CollectDigits c -> c.prompt().isEmpty() ? null : soundRefusal("prompt", c.prompt());
            case CallCommand.SetVariable v -> variableRefusal(v.name(), v.value());
            case CallCommand.SayNumber s -> null;
            case CallCommand.SayDigits d -> null;
            case CallCommand.Hangup h -> null;
            case CallCommand.Media m -> null; // the URL is checked against stream.allow by the media streams
        };
    }

    private String soundRefusal(String field, String name) {
        if (name.length() > MAX_SOUND) return field + " is longer than " + MAX_SOUND + " characters";
        if (SOUND.matcher(name).matches()) return null;
        if (name.startsWith("/") && !soundDirs.isEmpty()) {
            String rest = name.substring(1);
            if (SOUND.matcher(rest).matches()) {
                Path path = Path.of(name).normalize();
                for (Path dir : soundDirs) if (path.startsWith(dir) && !path.equals(dir)) return null;
            }
            return field + " '" + shown(name) + "' is not a sound inside talkback.sound-dirs " + soundDirs;
        }
        return field + " '" + shown(name) + "' is not a sound name: use letters, digits, _ and - in parts joined by /"
                + " (e.g. hello-world, digits/5, custom/welcome), with no extension, no absolute path and no '..'"
                + (name.startsWith("/") ? " (an operator may allow absolute paths with talkback.sound-dirs)" : "");
    }

    private String variableRefusal(String name, String value) {
        if (value.length() > MAX_VALUE) return "value is longer than " + MAX_VALUE + " characters";
        Matcher plain = VARIABLE.matcher(name);
        if (plain.matches()) {
            String upper = plain.group(1).toUpperCase(Locale.ROOT);
            for (String reserved : RESERVED_PREFIXES) {
                if (upper.startsWith(reserved)) {
                    return "variable '" + name + "' is reserved: names starting with " + reserved
                            + " steer Asterisk or Tinyphone itself";
                }
            }
            return null;
        }
        Matcher function = FUNCTION.matcher(name);
        if (function.matches()) {
            String fn = function.group(1).toUpperCase(Locale.ROOT);
            if (functions.contains(fn)) return null;
            return "name '" + shown(name) + "' is the dialplan function " + fn + ", which apps may not write (an operator "
                    + "may allow it by name with talkback.functions=" + fn + ")";
        }
        return "name '" + shown(name) + "' is not a channel variable name: letters, digits and _ (at most 64), "
                + "starting with a letter (one or two _ before it for inheritance)";
    }

    /** A value quoted in an error message: cut short, control characters shown. */
    private static String shown(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "talkback functions " + functions + ", sound dirs " + soundDirs;
    }
}
