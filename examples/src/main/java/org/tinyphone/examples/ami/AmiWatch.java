package org.tinyphone.examples.ami;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

import org.tinyphone.ami.ConnectionState;
import org.tinyphone.ami.ManagerConnection;
import org.tinyphone.ami.AmiSubscription;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * {@code amiwatch}: prints every AMI event as one line ({@code Event key=value ...}) and every connection state
 * change, and keeps going across Asterisk restarts. Optional arguments: event names to show (default all).
 */
public final class AmiWatch {
    private AmiWatch() { }

    public static void main(String[] args) throws Exception {
        AmiOptions o = AmiOptions.parse(args);
        try (ManagerConnection ami = o.builder().retryFirstConnect(true).build()) {
            watch(ami, o.rest(), System.out);
            ami.connect();
            new CountDownLatch(1).await();      // until Ctrl-C
        }
    }

    /** Subscribes the printer to {@code ami} (call before or after connect). */
    public static AmiSubscription watch(ManagerConnection ami, java.util.List<String> only, PrintStream out) {
        ami.onState(s -> line(out, "-- " + s + (s == ConnectionState.LOGGED_IN ? " (" + ami.banner() + ")" : "")));
        return ami.onEvent(m -> only.isEmpty() || only.stream().anyMatch(m::isEvent), m -> line(out, format(m)));
    }

    /** {@code Newchannel Channel=PJSIP/100-00000001 Uniqueid=...} (Privilege left out; empty values too). */
    public static String format(AmiMessage m) {
        StringBuilder sb = new StringBuilder(m.eventName());
        for (int i = 1; i < m.size(); i++) {
            if (m.isBare(i)) {
                sb.append(" | ").append(m.value(i));
                continue;
            }
            String k = m.key(i), v = m.value(i);
            if (k.equalsIgnoreCase("Privilege") || v.isEmpty()) continue;
            sb.append(' ').append(k).append('=').append(v.indexOf(' ') >= 0 ? '"' + v + '"' : v);
        }
        return sb.toString();
    }

    private static void line(PrintStream out, String s) {
        synchronized (out) {
            out.println(s);
            out.flush();
        }
    }
}
