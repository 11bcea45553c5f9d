package org.tinyphone.ari;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;

/**
 * Write once, run over ARI: an {@link AgiApp} becomes a {@link StasisApp}, unchanged. The app gets an
 * {@code AgiChannel} whose every typed command is carried out with ARI REST requests and events (the command table
 * in {@code docs/agi-commands.md} says how each one runs), and an environment built from the StasisStart:
 * {@code agi_request: stasis:<app>}, script path {@code /<app>}, channel, caller id, dialed number
 * ({@code CALLERID(dnid)}), dialplan place, and the {@code Stasis(app,args)} arguments as {@code agi_arg_N}.
 * When the app returns the dialplan goes on, at the place SET CONTEXT/EXTENSION/PRIORITY named, as after an AGI.
 *
 * <p>The dialed number is read when the call starts; {@code agi_version} once per connection, when it connects
 * (a call that starts before the answer waits for that read). A channel without a DNID gives
 * {@code agi_dnid: unknown}, as over FastAGI. A read that fails (no answer, a lost connection, a 5xx) is tried again,
 * three times in all; if it still fails the app gets {@code unknown} too, and a WARN names the call and the reason,
 * since the app cannot tell that from a call without a number.
 *
 * <pre>{@code
 * AriClient.builder().url("http://127.0.0.1:8088").credentials("u", "p")
 *         .app("hello", AgiOverAri.app(new HelloApp()))   // exten => 600,1,Stasis(hello)
 *         .build().start();
 * }</pre>
 */
public final class AgiOverAri implements StasisApp {
    private static final Logger log = LoggerFactory.getLogger(AgiOverAri.class);
    /** A failing Asterisk fails every call's reads: a few lines a window, then a count. */
    private static final LogLimiter LIMITER = new LogLimiter(10, Duration.ofSeconds(10));

    private final Function<StasisCall, AgiApp> apps;

    private AgiOverAri(Function<StasisCall, AgiApp> apps) { this.apps = apps; }

    /** The AGI app as a Stasis app. */
    public static StasisApp app(AgiApp app) {
        java.util.Objects.requireNonNull(app, "app");
        return new AgiOverAri(call -> app);
    }

    /**
     * An AGI app made for each call, for code that also needs the Stasis side of the call (its id, its REST, its
     * connection) besides the {@code AgiChannel}: {@code perCall(call -> channel -> ...)}.
     */
    public static StasisApp perCall(Function<StasisCall, AgiApp> apps) {
        return new AgiOverAri(java.util.Objects.requireNonNull(apps, "apps"));
    }

    @Override
    public void run(StasisCall call) throws Exception {
        AriAgiChannel ch = new AriAgiChannel(call, environment(call));
        try {
            apps.apply(call).run(ch);
        } catch (AgiHangupException e) {
            log.debug("AGI app over ARI on {} ended by the hangup: {}", call, e.getMessage());
        } catch (Exception e) {
            log.warn("AGI app over ARI failed on {}: {}", call, e.toString(), e);
        } finally {
            ch.finish();
        }
    }

    /** The {@code agi_*} block a FastAGI app would get for this call. */
    AgiEnvironment environment(StasisCall call) throws InterruptedException {
        Channel c = call.channel();
        List<String> lines = new ArrayList<>(32);
        lines.add("agi_request: stasis:" + call.app());
        lines.add("agi_network_script: " + call.app());
        lines.add("agi_channel: " + c.name());
        lines.add("agi_language: " + orUnknown(c.language()));
        lines.add("agi_type: " + c.technology());
        lines.add("agi_uniqueid: " + c.id());
        lines.add("agi_version: " + version(call));
        lines.add("agi_callerid: " + orUnknown(c.caller().number()));
        lines.add("agi_calleridname: " + orUnknown(c.caller().name()));
        lines.add("agi_callingpres: 0");
        lines.add("agi_callingani2: 0");
        lines.add("agi_callington: 0");
        lines.add("agi_callingtns: 0");
        lines.add("agi_dnid: " + dnid(call));
        lines.add("agi_rdnis: unknown");
        Channel.Dialplan d = c.dialplan();
        lines.add("agi_context: " + (d == null ? "" : d.context()));
        lines.add("agi_extension: " + (d == null ? "" : d.exten()));
        lines.add("agi_priority: " + (d == null ? "" : d.priority()));
        lines.add("agi_enhanced: 0.0");
        lines.add("agi_accountcode: " + (c.accountcode() == null ? "" : c.accountcode()));
        int n = 1;
        for (String a : call.args()) lines.add("agi_arg_" + n++ + ": " + a);
        return AgiEnvironment.parse(lines.stream().map(AgiOverAri::oneLine).toList());
    }

    /** Asterisk's version, read once per connection ({@link AriSession#asteriskInfo}); waits if that read is in flight. */
    private static String version(StasisCall call) throws InterruptedException {
        RetriedRead.Outcome<AsteriskInfo> info;
        try {
            info = call.session().asteriskInfo().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        }
        if (info.failed()) {
            unread(call, "Asterisk's version", "GET asterisk/info", info, "agi_version 'unknown'");
            return "unknown";
        }
        return info.value().version().isEmpty() ? "unknown" : info.value().version();
    }

    /**
     * {@code CALLERID(dnid)}, the dialed number; {@code unknown} when the channel has none (a Local channel, an
     * originate: Asterisk answers {@code ""}) or it is not set (404 {@code Provided variable was not found}), and also
     * when it cannot be read (see {@link RetriedRead}), which is said in a WARN: the app cannot tell the two apart.
     */
    private static String dnid(StasisCall call) {
        RetriedRead.Outcome<Optional<String>> dnid = RetriedRead.read(call, ari -> ari.channels().getVariable(call.id(), "CALLERID(dnid)"));
        if (dnid.failed()) {
            Channel.Dialplan d = call.channel().dialplan();
            unread(call, "its dialed number", "GET CALLERID(dnid)", dnid, "agi_dnid 'unknown', as for a call without one (agi_extension '"
                    + LogText.escape(d == null ? "" : d.exten()) + "')");
            return "unknown";
        }
        return dnid.value().filter(s -> !s.isEmpty()).orElse("unknown");
    }

    /** The WARN for a start-of-call read that failed (DEBUG when the client is closing). Outside text is escaped. */
    private static void unread(StasisCall call, String what, String request, RetriedRead.Outcome<?> o, String consequence) {
        String name = call.channel().name() == null ? "" : call.channel().name();
        if (o.interrupted()) {
            log.debug("AGI over ARI: call {} ({}): {} not read, the client is closing", LogText.escape(call.id()), LogText.escape(name), what);
            return;
        }
        LIMITER.warn(log, "AGI over ARI: " + what + " not read", "AGI over ARI: call {} ({}): {} could not be read: {} failed {} time(s), "
                + "the last: {}; the app gets {}", LogText.escape(call.id()), LogText.escape(name), what, request, o.attempts(),
                o.failure().getMessage(), consequence);   // escaped already (AriException)
    }

    private static String orUnknown(String s) { return s == null || s.isEmpty() ? "unknown" : s; }

    /** A value from outside kept to one environment line. */
    private static String oneLine(String s) { return s.replace('\n', ' ').replace('\r', ' '); }
}
