package org.tinyphone.examples.ami;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import org.tinyphone.ami.Channel;
import org.tinyphone.ami.ChannelTracker;
import org.tinyphone.ami.ManagerConnection;

/**
 * {@code dtmf}: digit capture over AMI, without touching the dialplan. For every call, collects what the caller
 * types up to {@code #} (at most 16 digits, 10 s between digits) and prints {@code <channel> entered <digits>};
 * an entry of {@code 0} transfers the call to {@code operator@<its context>} with a Redirect.
 */
public final class DtmfWatch {
    private DtmfWatch() { }

    public static void main(String[] args) throws Exception {
        AmiOptions o = AmiOptions.parse(args);
        try (ManagerConnection ami = o.builder().retryFirstConnect(true).build()) {
            ami.connect();
            capture(ChannelTracker.track(ami), Duration.ofSeconds(10), System.out);
            new CountDownLatch(1).await();
        }
    }

    /** For each new channel, a virtual thread collects entries until the call ends. */
    public static void capture(ChannelTracker channels, Duration interDigit, PrintStream out) {
        channels.onNewChannel(c -> Thread.ofVirtual().name("dtmf-" + c.name()).start(() -> collect(c, interDigit, out)));
    }

    static void collect(Channel c, Duration interDigit, PrintStream out) {
        while (true) {
            Optional<Character> first = c.awaitDtmf(Duration.ofMinutes(10));
            if (first.isEmpty()) {
                if (c.isHungUp()) return;
                continue;
            }
            String entry = first.get() == '#' ? "" : first.get() + c.awaitDigits(15, '#', interDigit);
            print(out, c.name() + " entered " + (entry.isEmpty() ? "(nothing)" : entry));
            if (entry.equals("0")) {
                c.redirect(c.context() == null ? "default" : c.context(), "operator", 1);
                print(out, c.name() + " sent to operator");
            }
        }
    }

    private static void print(PrintStream out, String s) {
        synchronized (out) {
            out.println(s);
            out.flush();
        }
    }
}
