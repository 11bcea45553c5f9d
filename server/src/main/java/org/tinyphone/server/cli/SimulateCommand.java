package org.tinyphone.server.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.tinyphone.server.sim.AudioSource;
import org.tinyphone.server.sim.CallResult;
import org.tinyphone.server.sim.SimulatedCall;
import org.tinyphone.server.sim.SimulatedSms;
import org.tinyphone.server.sms.SmsWebhook;
import org.tinyphone.server.sim.Simulator;
import org.tinyphone.server.sim.Via;
import org.tinyphone.testkit.ari.SimulatedAriAsterisk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tinyphone simulate}: places a call into a running server over the real protocol and port, exactly as
 * Asterisk (or {@code bin/tinyphone-agi}) would, and says what happened. With {@code --via ari} it is the other way
 * round, as with a real Asterisk: it plays Asterisk's HTTP server (ARI) on {@code --port} (8088), waits for the server
 * ({@code ari.enabled=true}, {@code ari.url} pointing here) to connect, and puts the calls into
 * {@code Stasis(tinyphone,args)}.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Place a simulated call into a running server, exactly as Asterisk would.",
                "Example: ./tinyphone simulate --to 13605162099 --from 15550001111 --name Carol --keys \"12#\" --audio tone",
                "A text message instead: ./tinyphone simulate --to 13605162099 --sms \"hello\"",
                "The audio going round (a media stream app, docs/streams.md): ./tinyphone simulate --to 13605162099 --via audiosocket "
                        + "--audio FILE.wav --record-back back.wav"})
public final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--to", required = true, description = "The dialed number") String to;
    @Option(names = "--from", defaultValue = "15550001111", description = "Caller id number (default ${DEFAULT-VALUE})") String from;
    @Option(names = "--name", defaultValue = "", description = "Caller id name") String name;
    @Option(names = "--keys", defaultValue = "", description = "Keys to press, 0-9 * #") String keys;
    @Option(names = "--arg", description = "AGI argument (repeatable)") List<String> args;
    @Option(names = "--audio", paramLabel = "FILE.wav|tone|silence",
            description = "The caller's audio: a 16-bit PCM WAV file, 'tone' or 'silence' (relay, legacy and audiosocket; default: tone for those)")
    String audio;
    @Option(names = "--via", defaultValue = "fastagi",
            description = "fastagi, relay (the bin/tinyphone-agi tunnel), legacy (the original relay lines), audiosocket or ari (default ${DEFAULT-VALUE})")
    String via;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Server host (default ${DEFAULT-VALUE})") String host;
    @Option(names = "--port", description = "Server port (default: the usual port of --via: 4573, 12001 or 9092); with --via ari the port "
            + "the simulated Asterisk listens on, the server's ari.url (default 8088)") Integer port;
    @Option(names = "--first-key", defaultValue = "600", description = "Milliseconds before the first key (default ${DEFAULT-VALUE})") long firstKey;
    @Option(names = "--key-gap", defaultValue = "400", description = "Milliseconds between keys (default ${DEFAULT-VALUE})") long keyGap;
    @Option(names = "--hold", defaultValue = "1500", description = "Milliseconds on the line after the last key (default ${DEFAULT-VALUE})") long hold;
    @Option(names = "--fastagi-port", defaultValue = "4573",
            description = "With --via audiosocket: the FastAGI port for the hand-off that gives the call its number (default ${DEFAULT-VALUE}; 0 = plain AudioSocket, number 'unknown')")
    int fastagiPort;
    @Option(names = "--calls", defaultValue = "1", description = "Place this many such calls at once (default ${DEFAULT-VALUE})") int calls;
    @Option(names = "--sms", paramLabel = "TEXT",
            description = "Send a text message instead of placing a call: POST /incoming as Twilio would (default port 12004)")
    String sms;
    @Option(names = "--auth-token", defaultValue = "${env:TINYPHONE_SMS_AUTH_TOKEN}",
            description = "With --sms: sign the request with this Twilio auth token, as the server's sms.auth-token wants (default: $TINYPHONE_SMS_AUTH_TOKEN)")
    String authToken;
    @Option(names = "--ari-user", description = "With --via ari: the ARI user the simulated Asterisk knows (default: $TINYPHONE_ARI_USER, "
            + "the server's ari.user, else tinyphone)") String ariUser;
    @Option(names = "--ari-password", description = "With --via ari: that user's password (default: $TINYPHONE_ARI_PASSWORD)") String ariPassword;
    @Option(names = "--ari-app", defaultValue = "tinyphone", description = "With --via ari: the Stasis application (the server's ari.app; "
            + "default ${DEFAULT-VALUE})") String ariApp;
    @Option(names = "--record-back", paramLabel = "FILE.wav",
            description = "With --via audiosocket: write the audio the server played back to the caller (a media stream app's, "
                    + "e.g. ./tinyphone examples streams' echo) to this WAV file, 16-bit PCM 8 kHz mono")
    Path recordBack;
    @Spec CommandSpec spec;
    @Option(names = "--wait", defaultValue = "20", description = "With --via ari: seconds to wait for the server to connect (default ${DEFAULT-VALUE})")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
        if (sms != null) return sendSms();
        Via v = Via.parse(via);
        if (recordBack != null && v != Via.AUDIOSOCKET) {
            throw new ParameterException(spec.commandLine(), "--record-back needs --via audiosocket: only AudioSocket carries audio back to the caller");
        }
        if (recordBack != null && calls > 1) {
            throw new ParameterException(spec.commandLine(), "--record-back writes one call's audio: leave out --calls " + calls);
        }
        int p = port == null ? v.defaultPort() : port;
        AudioSource source = audio != null ? AudioSource.parse(audio) : v == Via.FASTAGI ? null : AudioSource.tone();
        SimulatedAriAsterisk asterisk = v == Via.ARI ? ariAsterisk(p) : null;
        if (v == Via.ARI && asterisk == null) return 1;
        if (source != null && v == Via.FASTAGI) {
            System.err.println("tinyphone simulate: FastAGI carries no audio; --audio is ignored (use --via relay or audiosocket)");
            source = null;
        }
        SimulatedCall call = SimulatedCall.of(to, from, name, keys).withArgs(args == null ? List.of() : args)
                .withAudio(source)
                .withTiming(Duration.ofMillis(firstKey), Duration.ofMillis(keyGap), Duration.ofMillis(hold));
        System.out.printf("calling %s from %s%s via %s to %s:%d%s%s%n", to, from, name.isEmpty() ? "" : " (" + name + ")",
                v.name().toLowerCase(), host, p, source == null ? "" : ", audio: " + source.describe(),
                v == Via.AUDIOSOCKET ? fastagiPort > 0 ? " (after the FastAGI hand-off on port " + fastagiPort + ")"
                        : " (no hand-off: the call is on number 'unknown')" : "");
        List<Future<CallResult>> placed = new ArrayList<>();
        try (asterisk) {
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < Math.max(1, calls); i++) {
                    placed.add(threads.submit(() -> v == Via.ARI ? Simulator.placeAri(call, asterisk, ariApp)
                            : v == Via.AUDIOSOCKET && fastagiPort > 0 ? Simulator.placeAudioSocketHandOff(call, host, fastagiPort, p)
                            : Simulator.place(call, v, host, p)));
                }
            }
            // the server hangs up the calls' externalMedia channels when they end: a moment for that before Asterisk goes
            for (long end = System.nanoTime() + 2_000_000_000L; asterisk != null && asterisk.channelsInStasis() > 0
                    && System.nanoTime() < end; ) {
                Thread.sleep(20);
            }
        }
        int failed = 0;
        for (Future<CallResult> f : placed) {
            try {
                CallResult r = f.get();
                print(r);
                if (recordBack != null && !writeBack(r.audioBack(), recordBack)) failed++;
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
                Throwable cause = e.getCause();
                if (cause instanceof ConnectException) {
                    System.err.printf("tinyphone simulate: nothing is listening on %s:%d (%s). Start the server first: "
                            + "./tinyphone server%n", host, p, v.name().toLowerCase());
                } else {
                    System.err.println("tinyphone simulate: the call failed: " + cause);
                }
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** {@code --record-back}: what came back as a WAV file; false (and said why) if it cannot be written. */
    private static boolean writeBack(CallResult.AudioBack back, Path file) {
        byte[] samples = back.samples();
        AudioFormat pcm8k = new AudioFormat(8000, 16, 1, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(samples), pcm8k, samples.length / 2)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        } catch (IOException e) {
            System.err.println("tinyphone simulate: cannot write " + file + ": " + e.getMessage());
            return false;
        }
        System.out.printf("  the audio back (%.1f s) is in %s%s%n", samples.length / 16000.0, file,
                samples.length / 320 < back.frames() ? " (its first " + CallResult.AudioBack.MAX_KEPT_BYTES / 16000 / 60 + " minutes)" : "");
        return true;
    }

    /** {@code --sms}: one text message to the webhook, as Twilio posts it; prints Twilio's view of the answer. */
    private int sendSms() throws Exception {
        int p = port == null ? 12004 : port;
        String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + p + SmsWebhook.PATH;
        SimulatedSms message = new SimulatedSms(e164(to), e164(from), sms);
        System.out.printf("texting %s from %s to %s: %s%n", message.to(), message.from(), url, sms);
        SimulatedSms.Reply reply;
        try {
            reply = message.post(url, authToken);
        } catch (ConnectException e) {
            System.err.printf("tinyphone simulate: nothing is listening on %s:%d (sms). Start the server first: "
                    + "./tinyphone server%n", host, p);
            return 1;
        }
        System.out.printf("webhook answered %d: %s%n", reply.status(), reply.body().strip());
        return reply.status() == 200 ? 0 : 1;
    }

    /** Twilio sends numbers in E.164: a leading '+'. */
    private static String e164(String number) {
        String n = number.trim();
        return n.startsWith("+") ? n : "+" + n;
    }

    private static void print(CallResult r) {
        System.out.printf("call %s: pressed %s, %s hung up after %.1f s%s%n", r.callId(),
                r.keys().isEmpty() ? "no keys" : String.join(" ", r.keys().split("")),
                r.endedBy() == CallResult.EndedBy.CALLER ? "caller" : "server",
                r.duration().toMillis() / 1000.0,
                r.audioFrames() > 0 ? ", " + r.audioFrames() * 20 / 1000.0 + " s of audio sent" : "");
        if (r.via() == Via.AUDIOSOCKET) {
            System.out.println(r.audioBack().frames() == 0 ? "  no audio came back (a number with a media stream app plays its audio to the caller: docs/streams.md)"
                    : String.format("  audio back from the server: %d frames (%.1f s)", r.audioBack().frames(), r.audioBack().seconds()));
        }
        if (!r.commands().isEmpty()) {
            System.out.println((r.via() == Via.ARI ? "  ARI requests from the server about the call: " : "  AGI commands from the server: ")
                    + summarize(r.commands()));
        }
    }

    /** The simulated ARI Asterisk on 127.0.0.1:{@code port}, once the server has connected to it; null (and said why) if not. */
    private SimulatedAriAsterisk ariAsterisk(int port) throws InterruptedException {
        String user = ariUser != null ? ariUser : System.getenv().getOrDefault("TINYPHONE_ARI_USER", "tinyphone");
        String password = ariPassword != null ? ariPassword : System.getenv().getOrDefault("TINYPHONE_ARI_PASSWORD", "");
        SimulatedAriAsterisk asterisk;
        try {
            asterisk = SimulatedAriAsterisk.builder().port(port).user(user, password).playbackMillis(m -> 600).start();
        } catch (IllegalStateException e) {
            System.err.printf("tinyphone simulate: cannot listen on 127.0.0.1:%d for the simulated Asterisk (is a real Asterisk "
                    + "running there? choose another --port and point the server's ari.url at it): %s%n", port, e.getMessage());
            return null;
        }
        System.out.printf("simulated Asterisk (ARI) on %s, user %s: waiting for the server to connect (./tinyphone server "
                + "--set ari.enabled=true --set ari.url=%s --set ari.user=%s --set ari.password=...)%n", asterisk.url(), user,
                asterisk.url(), user);
        if (!Simulator.awaitAriServer(asterisk, ariApp, Duration.ofSeconds(Math.max(1, waitSeconds)))) {
            System.err.printf("tinyphone simulate: no server connected to %s for Stasis app '%s' within %d s. Start one with "
                    + "ari.enabled=true, ari.url=%s, ari.user=%s and the same password (--ari-password or $TINYPHONE_ARI_PASSWORD), "
                    + "ari.app=%s; it retries every few seconds%n", asterisk.url(), ariApp, waitSeconds, asterisk.url(), user, ariApp);
            asterisk.close();
            return null;
        }
        return asterisk;
    }

    /** "ANSWER, WAIT FOR DIGIT 250 ×12, STREAM FILE hello-world ..." */
    static String summarize(List<String> commands) {
        List<String> out = new ArrayList<>();
        String last = null;
        int repeat = 0;
        for (String c : commands) {
            if (c.equals(last)) {
                repeat++;
                continue;
            }
            if (last != null) {
                out.add(repeat > 1 ? last + " ×" + repeat : last);
            }
            last = c;
            repeat = 1;
        }
        if (last != null) {
            out.add(repeat > 1 ? last + " ×" + repeat : last);
        }
        return String.join(", ", out);
    }
}
