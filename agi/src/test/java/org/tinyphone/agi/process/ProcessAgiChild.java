package org.tinyphone.agi.process;

import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiReply;
import org.tinyphone.agi.DigitResult;

/** The child JVM of {@link ProcessAgiTest}: a process AGI script run by {@link ProcessAgi}. */
public final class ProcessAgiChild {
    public static void main(String[] args) {
        String scenario = args.length > 0 ? args[0] : "04a";
        ProcessAgi.exit(ch -> {
            System.out.println("a stray println from the app must not reach Asterisk");
            if (scenario.equals("04a")) {
                if (!ch.environment().args().equals(java.util.List.of("arg one", "arg2"))) {
                    throw new IllegalStateException("args: " + ch.environment().args());
                }
                ch.answer();
                String channel = ch.getVariable("CHANNEL").orElseThrow();
                if (!channel.equals("Local/proc@agi-test-00000010;2")) throw new IllegalStateException(channel);
                DigitResult beep = ch.streamFile("beep");
                if (beep.endpos() != 3404) throw new IllegalStateException(beep.toString());
                AgiReply usage = ch.send("STREAM FILE");
                if (!usage.isUsageError()) throw new IllegalStateException(usage.raw());
                ch.verbose("from process AGI", 1);
                ch.noop();
            } else { // "sighup": wait for keys until the caller hangs up, then clean up
                try {
                    while (true) ch.waitForDigit(-1);
                } catch (AgiHangupException e) {
                    ch.verbose("clean-up after hangup", 1);
                }
            }
        });
    }
}
