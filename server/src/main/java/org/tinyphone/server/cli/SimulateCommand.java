package org.tinyphone.server.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.tinyphone.server.cli.ServerTargets.Target;
import org.tinyphone.server.config.ConfigException;
import org.tinyphone.server.config.TinyphoneConfig;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.server.sim.SimulatedSms;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;
import org.tinyphone.server.sms.SmsWebhook;
import org.tinyphone.sim.ari.SimulatedAriAsterisk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tinyphone simulate}: places a call into a running server over the real protocol and port, exactly as
 * Asterisk (or {@code bin/tinyphone-agi}) would, and says what happened. It finds the server's ports as the server
 * does (the same {@code --config} file, {@code TINYPHONE_*} variables and {@code --set}, else the defaults) and
 * says which it used; a port that answers in another protocol is said so at once. With {@code --via ari} it is the
 * other way round, as with a real Asterisk: it plays Asterisk's HTTP server (ARI) on the port of the server's
 * {@code ari.url} (8088), waits for the server ({@code ari.enabled=true}) to connect, and puts the calls into
 * {@code Stasis(tinyphone,args)}. Here are its options and how a call is placed; where the server listens, and what
 * to say when a call there fails, is {@link ServerTargets}'s job; what is printed of a call, {@link CallReport}'s.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Place a simulated call into a running server, exactly as Asterisk would",
                "Example: ./tinyphone simulate --to 13605162099 --from 15550001111 --name Carol --keys \"12#\" --audio tone",
                "A text message instead: ./tinyphone simulate --to 13605162099 --sms \"hello\"",
                "The audio going round (a media stream app, docs/streams.md): ./tinyphone simulate --to 13605162099 --via audiosocket "
                        + "--audio FILE.wav --record-back back.wav",
                "The server's address and ports are found as the server finds them: --config FILE, the TINYPHONE_* "
                        + "variables, --set, else the defaults; --host and --port say otherwise."})
public final class SimulateCommand implements Callable<Integer> {
    /** Calls placed at once, at most. */
    static final int MAX_CALLS = 10_000;
    /** Longest wait of the caller, milliseconds (an hour). */
    static final long MAX_MILLIS = 3_600_000;

    @Spec CommandSpec spec;

    @Option(names = "--to", paramLabel = "NUMBER", description = "The dialed number (needed)") String to;
    @Option(names = "--from", paramLabel = "NUMBER", defaultValue = "15550001111", description = "Caller id number (default ${DEFAULT-VALUE})") String from;
    @Option(names = "--name", paramLabel = "NAME", defaultValue = "", description = "Caller id name") String name;
    @Option(names = "--keys", paramLabel = "KEYS", defaultValue = "", description = "Keys to press, 0-9 * #") String keys;
    @Option(names = "--arg", paramLabel = "ARG", description = "AGI argument (repeatable)") List<String> args;
    @Option(names = "--audio", paramLabel = "FILE.wav|tone|silence",
            description = "The caller's audio: a 16-bit PCM WAV file, 'tone' or 'silence' (relay, legacy and audiosocket; default: tone for those)")
    String audio;
    @Option(names = "--via", paramLabel = "WAY", defaultValue = "fastagi",
            description = "fastagi, relay (the bin/tinyphone-agi tunnel), legacy (the original Ruby script's lines), audiosocket or ari (default ${DEFAULT-VALUE})")
    String via;
    @Option(names = "--host", paramLabel = "HOST", description = "Server host (default: where the server listens; 127.0.0.1 for 0.0.0.0)") String host;
    @Option(names = "--port", paramLabel = "PORT", description = "Server port (default: the server's port for --via: fastagi.port, relay.port, audiosocket.port or sms.port); "
            + "with --via ari the port the simulated Asterisk listens on (default: the port of the server's ari.url, 8088)") Integer port;
    @Option(names = "--first-key", paramLabel = "MS", defaultValue = "600", description = "Milliseconds before the first key (default ${DEFAULT-VALUE})") long firstKey;
    @Option(names = "--key-gap", paramLabel = "MS", defaultValue = "400", description = "Milliseconds between keys (default ${DEFAULT-VALUE})") long keyGap;
    @Option(names = "--hold", paramLabel = "MS", defaultValue = "1500", description = "Milliseconds on the line after the last key (default ${DEFAULT-VALUE})") long hold;
    @Option(names = "--fastagi-port", paramLabel = "PORT",
            description = "With --via audiosocket: the FastAGI port for the hand-off that gives the call its number (default: the server's fastagi.port; 0 = plain AudioSocket, number 'unknown')")
    Integer fastagiPort;
    @Option(names = "--calls", paramLabel = "N", defaultValue = "1", description = "Place this many such calls at once (default ${DEFAULT-VALUE})") int calls;
    @Option(names = "--sms", paramLabel = "TEXT",
            description = "Send a text message instead of placing a call: POST /incoming as Twilio would, to the server's sms.port")
    String sms;
    @Option(names = "--auth-token", paramLabel = "TOKEN",
            description = "With --sms: sign the request with this Twilio auth token (default: the server's sms.auth-token, e.g. from $TINYPHONE_SMS_AUTH_TOKEN)")
    String authToken;
    @Option(names = "--ari-user", paramLabel = "USER",
            description = "With --via ari: the ARI user the simulated Asterisk knows (default: the server's ari.user, else tinyphone)") String ariUser;
    @Option(names = "--ari-password", paramLabel = "PASSWORD",
            description = "With --via ari: that user's password (default: the server's ari.password)") String ariPassword;
    @Option(names = "--ari-app", paramLabel = "APP",
            description = "With --via ari: the Stasis application (default: the server's ari.app, tinyphone)") String ariApp;
    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "20",
            description = "With --via ari: seconds to wait for the server to connect (default ${DEFAULT-VALUE})") int waitSeconds;
    @Option(names = "--record-back", paramLabel = "FILE.wav",
            description = "With --via audiosocket: write the audio the server played back to the caller (a media stream app's, "
                    + "e.g. ./tinyphone examples streams' echo) to this WAV file, 16-bit PCM 8 kHz mono")
    Path recordBack;
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The server's config file, to find its ports (as for `server`)")
    Path config;
    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "A setting as the server was given it, e.g. --set fastagi.port=14573")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (to == null || to.isBlank()) throw Main.usage(spec, "--to is missing: the dialed number, e.g. --to 13605162099");
        if (port != null) checkRange("--port", port, 1, 65535);
        Via v = sms != null ? null : parseVia();
        AudioSource source = null;
        if (v != null) {
            checkRange("--calls", calls, 1, MAX_CALLS);
            checkRange("--first-key", firstKey, 0, MAX_MILLIS);
            checkRange("--key-gap", keyGap, 0, MAX_MILLIS);
            checkRange("--hold", hold, 0, MAX_MILLIS);
            if (fastagiPort != null) checkRange("--fastagi-port", fastagiPort, 0, 65535);
            if (v == Via.ARI) checkRange("--wait", waitSeconds, 1, 3600);
            if (recordBack != null && v != Via.AUDIOSOCKET) {
                throw Main.usage(spec, "--record-back needs --via audiosocket: only AudioSocket carries audio back to the caller");
            }
            if (recordBack != null && calls > 1) {
                throw Main.usage(spec, "--record-back writes one call's audio: leave out --calls " + calls);
            }
            if (!keys.matches("[0-9*#]*")) throw Main.usage(spec, "--keys '" + keys + "': keys are 0-9, * and #");
            source = audio(v);
        }
        TinyphoneConfig server;
        try {
            server = TinyphoneConfig.load(config, System.getenv(), overrides);
        } catch (ConfigException e) {
            System.err.println("tinyphone simulate: the server's settings: " + e.getMessage());
            return Main.USAGE;
        }
        ServerTargets targets = new ServerTargets(server, host, spec);
        if (v == null) return sendSms(server, targets);
        SimulatedCall call = SimulatedCall.of(to, from, name, keys).withArgs(args == null ? List.of() : args)
                .withAudio(source)
                .withTiming(Duration.ofMillis(firstKey), Duration.ofMillis(keyGap), Duration.ofMillis(hold));
        if (v == Via.ARI) return placeOverAri(server, targets, call, source);
        Target target = targets.listener(ServerTargets.listenerOf(v), port);
        Target handOff = v == Via.AUDIOSOCKET ? targets.handOff(fastagiPort) : null;
        String way = v.name().toLowerCase(Locale.ROOT);
        System.out.printf("calling %s from %s%s via %s to %s (%s)%s%s%n", to, from, name.isEmpty() ? "" : " (" + name + ")",
                way, target.address(), target.why(), source == null ? "" : ", audio: " + source.describe(),
                v != Via.AUDIOSOCKET ? "" : handOff != null
                        ? ", after the FastAGI hand-off to " + handOff.address() + " (" + handOff.why() + ")"
                        : ", no hand-off: the call is on number 'unknown'");
        List<Future<CallResult>> placed = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < calls; i++) {
                placed.add(threads.submit(() -> handOff != null
                        ? Simulator.placeAudioSocketHandOff(call, target.host(), handOff.port(), target.port())
                        : Simulator.place(call, v, target.host(), target.port())));
            }
        }
        int rc = 0;
        for (Future<CallResult> f : placed) {
            try {
                CallResult r = f.get();
                if (r.commands().isEmpty() && (v == Via.FASTAGI || v == Via.RELAY)) {
                    throw new ExecutionException(new ProtocolException(target.address() + " ended the call without a "
                            + "single AGI command: it is no Tinyphone " + way + " port"));
                }
                CallReport.print(r);
                if (recordBack != null && !CallReport.writeBack(r.audioBack(), recordBack)) rc = Main.FAILED;
            } catch (ExecutionException e) {
                List<Target> tried = handOff == null ? List.of(target) : List.of(handOff, target);
                rc = Math.max(rc, targets.failed(e.getCause(), way, tried));
            }
        }
        return rc;
    }

    /**
     * {@code --via ari}: plays Asterisk's ARI on the port of the server's {@code ari.url} (or {@code --port}), with the
     * server's ARI user, password and application unless told otherwise, waits for the server to connect, places the
     * calls into Stasis and says what happened.
     */
    private int placeOverAri(TinyphoneConfig server, ServerTargets targets, SimulatedCall call, AudioSource source)
            throws InterruptedException {
        Target target = targets.ari(port);
        String user = ariUser != null ? ariUser : server.get("ari.user").isEmpty() ? "tinyphone" : server.get("ari.user");
        String password = ariPassword != null ? ariPassword : server.get("ari.password");
        String app = ariApp != null ? ariApp : server.get("ari.app");
        SimulatedAriAsterisk asterisk;
        try {
            asterisk = SimulatedAriAsterisk.builder().port(target.port()).user(user, password).playbackMillis(m -> 600).start();
        } catch (IllegalStateException e) {
            System.err.printf("tinyphone simulate: cannot listen on %s (%s) for the simulated Asterisk (is a real Asterisk "
                    + "running there? choose another --port and point the server's ari.url at it): %s%n", target.address(),
                    target.why(), e.getMessage());
            return Main.USAGE;
        }
        try (asterisk) {
            System.out.printf("simulated Asterisk (ARI) on %s (%s), user %s: waiting for the server to connect "
                    + "(./tinyphone server --set ari.enabled=true --set ari.url=%s --set ari.user=%s --set ari.password=...)%n",
                    asterisk.url(), target.why(), user, asterisk.url(), user);
            if (!Simulator.awaitAriServer(asterisk, app, Duration.ofSeconds(waitSeconds))) {
                System.err.printf("tinyphone simulate: no server connected to %s for Stasis app '%s' within %d s. Start one "
                        + "with ari.enabled=true, ari.url=%s, ari.user=%s and the same password (--ari-password, or the "
                        + "server's ari.password), ari.app=%s; it retries every few seconds%n", asterisk.url(), app,
                        waitSeconds, asterisk.url(), user, app);
                return Main.NO_CONNECTION;
            }
            System.out.printf("calling %s from %s%s via ari into Stasis(%s)%s%n", to, from,
                    name.isEmpty() ? "" : " (" + name + ")", app, source == null ? "" : ", audio: " + source.describe());
            List<Future<CallResult>> placed = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < calls; i++) placed.add(threads.submit(() -> Simulator.placeAri(call, asterisk, app)));
            }
            // the server hangs up the calls' externalMedia channels when they end: a moment for that before Asterisk goes
            for (long end = System.nanoTime() + 2_000_000_000L; asterisk.channelsInStasis() > 0 && System.nanoTime() < end; ) {
                Thread.sleep(20);
            }
            int rc = 0;
            for (Future<CallResult> f : placed) {
                try {
                    CallReport.print(f.get());
                } catch (ExecutionException e) {
                    System.err.println("tinyphone simulate: the call failed: " + Main.message(e.getCause()));
                    rc = Main.FAILED;
                }
            }
            return rc;
        }
    }

    private Via parseVia() {
        try {
            return Via.parse(via);
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, "--via '" + via + "': use fastagi, relay, legacy, audiosocket or ari");
        }
    }

    /** The caller's audio for {@code v}, or null (FastAGI carries none). */
    private AudioSource audio(Via v) {
        if (v == Via.FASTAGI) {
            if (audio != null) {
                System.err.println("tinyphone simulate: FastAGI carries no audio; --audio is left out (use --via relay, "
                        + "legacy or audiosocket)");
            }
            return null;
        }
        if (audio == null) return AudioSource.tone();
        try {
            return AudioSource.parse(audio);
        } catch (NoSuchFileException e) {
            throw Main.usage(spec, "--audio " + audio + ": no such file (give a 16-bit PCM WAV file, 'tone' or 'silence')");
        } catch (IOException | IllegalArgumentException e) {
            throw Main.usage(spec, "--audio " + audio + ": " + Main.message(e));
        }
    }

    private void checkRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw Main.usage(spec, option + " " + value + ": give " + min + " to " + max);
        }
    }

    /** {@code --sms}: one text message to the webhook, as Twilio posts it; prints Twilio's view of the answer. */
    private int sendSms(TinyphoneConfig server, ServerTargets targets) throws Exception {
        Target target = targets.listener("sms", port);
        String url = "http://" + target.address() + SmsWebhook.PATH;
        SimulatedSms message = new SimulatedSms(e164(to), e164(from), sms);
        String token = authToken != null ? authToken : server.get("sms.auth-token");
        System.out.printf("texting %s from %s to %s (%s): %s%n", message.to(), message.from(), url, target.why(), sms);
        SimulatedSms.Reply reply;
        try {
            reply = message.post(url, token.isEmpty() ? null : token);
        } catch (ConnectException e) {
            return targets.failed(e, "sms", List.of(target));
        }
        System.out.printf("webhook answered %d: %s%n", reply.status(), reply.body().strip());
        return reply.status() == 200 ? 0 : Main.FAILED;
    }

    /** Twilio sends numbers in E.164: a leading '+'. */
    private static String e164(String number) {
        String n = number.trim();
        return n.startsWith("+") ? n : "+" + n;
    }
}
