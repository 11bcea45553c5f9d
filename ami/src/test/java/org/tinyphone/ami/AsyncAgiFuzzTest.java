package org.tinyphone.ami;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.documented;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.tinyphone.agi.AgiEnvironment;
import org.tinyphone.agi.AgiException;
import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.ami.event.AmiEvents;

/**
 * AsyncAGI's url-encoded fields with any text in them, as the AMI connection decodes them: the {@code Env} of
 * {@code AsyncAGIStart} (read into an environment, and re-numbered when the first argument names the route) and
 * the {@code Result} of {@code AsyncAGIExec} (read into a reply). Either they read, or the error is an
 * {@link IllegalArgumentException} (not url-encoding) or an {@link AgiException} (not AGI) that says so.
 */
class AsyncAgiFuzzTest {

    @FuzzTest
    @DictionaryFile(resourcePath = "codec/ami.dict")
    void fields(byte[] value) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(("Event: AsyncAGIStart\r\nChannel: PJSIP/100-00000001\r\nEnv: ").getBytes(UTF_8));
        wire.writeBytes(value);
        wire.writeBytes(("\r\n\r\nEvent: AsyncAGIExec\r\nChannel: PJSIP/100-00000001\r\nCommandId: c1\r\nResult: ").getBytes(UTF_8));
        wire.writeBytes(value);
        wire.writeBytes("\r\n\r\n".getBytes(UTF_8));
        byte[] bytes = wire.toByteArray();
        new AmiDecoder(false).feed(bytes, 0, bytes.length, new AmiDecoder.Listener() {
            @Override public void onMessage(AmiMessage m) { read(m); }
            @Override public void onError(String problem) { }
        });
    }

    private static void read(AmiMessage m) {
        try {
            if (m.isEvent("AsyncAGIStart")) {
                AgiEnvironment env = new AmiEvents.AsyncAgiStart(m).environment();
                List<String> args = env.args();
                if (!args.isEmpty()) {
                    // AsyncAgiServer.start(ami, Map of apps) routes by the first argument and shows the app the rest
                    AgiEnvironment shifted = AsyncAgiServer.withoutFirstArg(env);
                    require(shifted.args().equals(args.subList(1, args.size())), "the route's name is taken off the arguments");
                }
                env.scriptPath();
                env.toString();
            } else if (m.isEvent("AsyncAGIExec")) {
                AmiEvents.AsyncAgiExec exec = new AmiEvents.AsyncAgiExec(m);
                exec.commandId();
                exec.reply().text();
            }
        } catch (IllegalArgumentException | AgiException e) {
            documented(e, IllegalArgumentException.class, AgiException.class);
        }
    }
}
