package org.tinyphone.agi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tinyphone.sim.agi.AgiArgs;

/**
 * Command lines we build from values an app (or a client far away) chose: read back the way Asterisk's
 * {@code parse_args()} splits them ({@link AgiArgs}), every argument must arrive exactly as given, whatever
 * spaces, quotes and backslashes it holds; a value that cannot travel on one line is refused.
 */
class AgiCommandFuzzTest {
    private static final String[] NAMES = {"SET VARIABLE", "STREAM FILE", "EXEC", "DATABASE PUT", "GOSUB", "VERBOSE"};

    @FuzzTest
    void arguments(FuzzedDataProvider data) {
        String name = NAMES[data.consumeInt(0, NAMES.length - 1)];
        AgiCommand command = AgiCommand.of(name);
        List<String> expected = new ArrayList<>(Arrays.asList(name.split(" ")));
        boolean refused = false;
        int n = data.consumeInt(0, 6);
        for (int i = 0; i < n && !refused; i++) {
            // text as it reaches us: decoded from UTF-8 bytes (a client's JSON, Asterisk's own values)
            String value = new String(data.consumeBytes(data.consumeInt(0, 48)), UTF_8);
            try {
                switch (data.consumeInt(0, 2)) {
                    case 0 -> command.arg(value);
                    case 1 -> command.quoted(value);
                    default -> {
                        long number = data.consumeLong();
                        command.arg(number);
                        value = Long.toString(number);
                    }
                }
                expected.add(value);
            } catch (IllegalArgumentException e) {
                documented(e, IllegalArgumentException.class);
                require(value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0,
                        () -> "only line breaks and NUL are refused: " + e.getMessage());
                refused = true;
            }
        }
        if (refused) return;
        String line = command.line();
        require(line.indexOf('\n') < 0 && line.indexOf('\r') < 0 && line.indexOf('\0') < 0, "one line");
        String onWire = new String(line.getBytes(UTF_8), UTF_8);
        List<String> parsed = AgiArgs.parse(onWire);
        require(parsed.equals(expected), () -> "Asterisk reads " + parsed + " from '" + line + "', not " + expected);

        String single = new String(data.consumeRemainingAsBytes(), UTF_8);
        if (single.indexOf('\n') < 0 && single.indexOf('\r') < 0 && single.indexOf('\0') < 0) {
            require(AgiArgs.parse(AgiCommand.quote(single)).equals(List.of(single)), "quote() keeps any value whole");
            if (!AgiCommand.needsQuotes(single)) {
                require(AgiArgs.parse(single).equals(List.of(single)), "a value that needs no quotes is one argument as is");
            }
        }
    }
}
