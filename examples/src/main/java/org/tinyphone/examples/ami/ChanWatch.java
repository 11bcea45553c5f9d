package org.tinyphone.examples.ami;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

import org.tinyphone.ami.Channel;
import org.tinyphone.ami.ChannelTracker;
import org.tinyphone.ami.ManagerConnection;

/**
 * {@code chanwatch}: a live list of calls. Prints {@code + <channel> from <caller id>} when a channel appears,
 * {@code - <channel> <cause> after <s>} when it hangs up with the digits it received and the channels linked to it.
 */
public final class ChanWatch {
    private ChanWatch() { }

    public static void main(String[] args) throws Exception {
        AmiOptions o = AmiOptions.parse(args);
        try (ManagerConnection ami = o.builder().retryFirstConnect(true).build()) {
            ami.connect();
            watch(ChannelTracker.track(ami), System.out);
            new CountDownLatch(1).await();
        }
    }

    /** Prints channel lifecycles from {@code channels}. */
    public static void watch(ChannelTracker channels, PrintStream out) {
        channels.onNewChannel(c -> {
            long t0 = System.nanoTime();
            print(out, "+ " + c.name() + " from " + callerId(c) + " (" + c.uniqueId() + ")");
            c.hangupFuture().thenAccept(h -> print(out, "- " + h.name() + " " + h.hangupCauseText()
                    + " after " + (System.nanoTime() - t0) / 1_000_000 / 1000.0 + " s"
                    + (h.digits().isEmpty() ? "" : ", pressed " + h.digits())
                    + (h.variables().isEmpty() ? "" : ", " + h.variables().size() + " variables")));
        });
    }

    static String callerId(Channel c) {
        String num = c.callerIdNum() == null ? "<unknown>" : c.callerIdNum();
        String name = c.callerIdName();
        return name == null || name.equals("<unknown>") ? num : "\"" + name + "\" <" + num + ">";
    }

    private static void print(PrintStream out, String s) {
        synchronized (out) {
            out.println(s);
            out.flush();
        }
    }
}
