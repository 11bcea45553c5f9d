package org.tinyphone.sim.agi;

import java.util.ArrayList;
import java.util.List;

/** Splits an AGI command line into arguments exactly as Asterisk's res_agi.c {@code parse_args()} does. */
public final class AgiArgs {
    private AgiArgs() {}

    public static List<String> parse(String line) {
        List<String> argv = new ArrayList<>();
        StringBuilder cur = null;
        boolean quoted = false;
        boolean escaped = false;
        boolean whitespace = true;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            boolean normal = false;
            switch (c) {
                case '"' -> {
                    if (escaped) {
                        normal = true;
                    } else {
                        quoted = !quoted;
                        if (quoted && whitespace) {
                            if (cur != null) argv.add(cur.toString());
                            cur = new StringBuilder();
                            whitespace = false;
                        }
                        escaped = false;
                    }
                }
                case ' ', '\t' -> {
                    if (!quoted && !escaped) whitespace = true; else normal = true;
                }
                case '\\' -> {
                    if (escaped) normal = true; else escaped = true;
                }
                default -> normal = true;
            }
            if (normal) {
                if (whitespace) {
                    if (cur != null) argv.add(cur.toString());
                    cur = new StringBuilder();
                    whitespace = false;
                }
                cur.append(c);
                escaped = false;
            }
        }
        if (cur != null) argv.add(cur.toString());
        return argv;
    }
}
