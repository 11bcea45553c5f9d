package org.tinyphone.examples.ami;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.tinyphone.agi.AgiChannel;
import org.tinyphone.ami.AsyncAgiServer;
import org.tinyphone.ami.ManagerConnection;
import org.tinyphone.ami.Originate;
import org.tinyphone.ami.OriginateResult;

/**
 * {@code orighello <channel>}: calls {@code <channel>} (e.g. {@code PJSIP/100} or {@code Local/600@default}) and,
 * when it answers, runs an AsyncAGI app on it that says hello and hangs up. No dialplan needed: the originate
 * runs {@code AGI(agi:async,orighello)} directly.
 */
public final class OrigHello {
    private OrigHello() { }

    public static void main(String[] args) throws Exception {
        AmiOptions o = AmiOptions.parse(args);
        if (o.rest().isEmpty()) {
            System.err.println("usage: orighello [--host H --port P --user U --secret S] <channel to call>");
            System.exit(2);
        }
        try (ManagerConnection ami = o.builder().build()) {
            ami.connect();
            System.exit(call(ami, o.rest().get(0), Duration.ofSeconds(60), System.out) ? 0 : 1);
        }
    }

    /** Places the call and waits until the hello app is done; true if the call was answered and greeted. */
    public static boolean call(ManagerConnection ami, String channel, Duration timeout, PrintStream out) throws Exception {
        CompletableFuture<String> greeted = new CompletableFuture<>();
        try (AsyncAgiServer apps = AsyncAgiServer.routing(ami, env ->
                env.args().contains("orighello") ? (AgiChannel ch) -> {
                    ch.answer();
                    ch.streamFile("hello-world");
                    ch.hangup();
                    greeted.complete(ch.environment().channel());
                } : null)) {
            out.println("calling " + channel + " ...");
            OriginateResult r = ami.originate(Originate.toApplication(channel, "AGI", "agi:async,orighello")
                    .callerId("\"Tinyphone\" <0>")).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.success()) {
                out.println("not answered: " + r.reasonText());
                return false;
            }
            out.println("answered (" + r.channel() + "), saying hello");
            String who = greeted.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            out.println("said hello to " + who + ", hung up");
            return true;
        }
    }
}
