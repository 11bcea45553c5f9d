package org.tinyphone.agi;

import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.oneIn;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.Consumer;
import org.tinyphone.agi.fastagi.AgiRoutes;
import org.tinyphone.sim.fuzz.RepeatingInputStream;
import org.tinyphone.sim.fuzz.SegmentedInputStream;

/**
 * A whole AGI session as FastAGI, process AGI and the relay tunnel run it, with the peer's bytes chosen by the
 * fuzzer: the environment ({@link StreamAgiChannel#open}), the route it picks, then typed commands reading
 * whatever replies follow. The bytes arrive cut anywhere, or as an endless repetition (a peer that never stops
 * sending). Only {@link AgiException}s may come out, no line longer than the limit is accepted, an endless peer
 * is refused after a bounded read, and a session that ended refuses further commands.
 */
class AgiSessionFuzzTest {
    private static final AgiApp NOTHING = ch -> { };
    private static final AgiRoutes ROUTES = new AgiRoutes().add("/tinyphone", NOTHING).add("/ivr/*", NOTHING);

    /** The typed commands an app may send, each reading its reply its own way. */
    private static final List<Consumer<AgiChannel>> COMMANDS = List.of(
            AgiChannel::answer,
            ch -> ch.streamFile("hello-world", "#").toString(),
            ch -> ch.getData("beep", 1000, 4).hasDigits(),
            ch -> ch.waitForDigit(250).toString(),
            ch -> ch.recordFile("rec", "wav", "#", 1000).timedOut(),
            ch -> ch.speechRecognize("prompt", 1000).matches(),
            AgiChannel::channelStatus,
            ch -> ch.exec("Dial", "PJSIP/100", "30").toString(),
            ch -> ch.getVariable("CALLERID(num)"),
            ch -> ch.databaseGet("family", "key"),
            ch -> ch.sayNumber(42, "#"),
            ch -> ch.gosub("sub", "s", "1", "a"),
            ch -> ch.receiveText(100),
            ch -> ch.setVariable("X", "a \"b\""),
            ch -> ch.send("NOOP").raw(),
            AgiChannel::hangup);

    @FuzzTest
    @DictionaryFile(resourcePath = "agi.dict")
    void session(FuzzedDataProvider data) throws IOException {
        int maxLine = data.consumeInt(256, 2048);
        int[] segments = {data.consumeInt(1, 64), data.consumeInt(1, 512), data.consumeInt(1, 8)};
        byte[] commands = data.consumeBytes(12);
        byte[] peer = data.consumeRemainingAsBytes();
        boolean endless = oneIn(8, peer);

        InputStream in = endless ? new RepeatingInputStream(peer, Long.MAX_VALUE) : new SegmentedInputStream(peer, segments);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        StreamAgiChannel ch;
        try {
            ch = StreamAgiChannel.open(in, sent, maxLine);
        } catch (AgiProtocolException e) {
            documented(e, AgiProtocolException.class);
            if (endless) {
                long read = ((RepeatingInputStream) in).consumed();
                require(read <= (long) (AgiEnvironment.MAX_LINES + 20) * (maxLine + 1) + 4096,
                        () -> "an endless peer is refused after a bounded read, not after " + read + " bytes");
            }
            return;
        }
        checkEnvironment(ch.environment(), maxLine);

        for (byte c : commands) {
            boolean endedBefore = ch.isEnded();
            try {
                COMMANDS.get((c & 0xff) % COMMANDS.size()).accept(ch);
                require(!endedBefore || (c & 0xff) % COMMANDS.size() == COMMANDS.size() - 1,
                        "a session that ended refuses commands");
            } catch (AgiHangupException e) {
                documented(e, AgiHangupException.class);
            } catch (AgiException e) {
                documented(e, AgiException.class);
                require(!endedBefore, () -> "a session that ended refuses commands with AgiHangupException, not " + e);
            }
            ch.isInputFinished();
        }
        for (String line : sent.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            require(line.indexOf('\r') < 0 && line.indexOf('\0') < 0, "a command goes out as one clean line");
        }
    }

    private static void checkEnvironment(AgiEnvironment env, int maxLine) {
        require(!env.asMap().isEmpty(), "an environment has at least one line");
        int numbered = 0;
        for (var e : env.asMap().entrySet()) {
            require(e.getKey().startsWith("agi_") && e.getKey().indexOf(' ') < 0, () -> "keys are agi_ names: " + e.getKey());
            require(e.getKey().length() + 1 + e.getValue().length() <= maxLine, () -> "no line beyond the limit " + maxLine);
            if (e.getKey().startsWith("agi_arg_")) numbered++;
        }
        require(env.args().size() <= numbered, "one argument per agi_arg_N line at most");
        String path = env.scriptPath();
        if (env.network()) require(path.startsWith("/"), "a FastAGI script path starts with '/'");
        env.query().forEach((k, v) -> require(k != null && v != null, "query parameters are never null"));
        ROUTES.find(path);
        for (String s : new String[] {env.channel(), env.uniqueId(), env.callerId(), env.callerIdName(), env.dnid(),
                env.request(), env.version(), env.toString()}) {
            require(s != null, "typed environment values are never null");
        }
        env.enhanced();
    }
}
