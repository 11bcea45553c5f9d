package org.tinyphone.ami;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.tinyphone.ami.codec.AmiMessage;
import org.tinyphone.sim.ami.AmiFrame;
import org.tinyphone.sim.ami.FakeAmiServer;

/**
 * A live {@link ManagerConnection} (over a real loopback socket) answering one action with whatever the fuzzer
 * makes Asterisk send: responses, list events, other events, garbage, with {@code $ID} standing for the action's
 * ActionID. After those bytes the fake Asterisk ends the action properly. Then: the action completes with its own
 * response, a list holds only its own events up to its {@code Complete}/{@code Cancelled} one, and the connection is
 * still the same and logged in (the reader survived).
 */
class AmiEventListFuzzTest {
    private static final AtomicLong IDS = new AtomicLong();
    private static volatile byte[] script = new byte[0];
    private static FakeAmiServer server;
    private static ManagerConnection ami;

    private static synchronized ManagerConnection connection() throws IOException {
        if (ami == null) {
            server = FakeAmiServer.start(session -> {
                session.banner();
                AmiFrame login = session.read(Duration.ofSeconds(30));
                session.send("Response: Success", "ActionID: " + login.get("ActionID"), "Message: Authentication accepted");
                for (AmiFrame action; (action = session.read(Duration.ofHours(1))) != null; ) {
                    String id = action.get("ActionID");
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.writeBytes(new String(script, UTF_8).replace("$ID", id).getBytes(UTF_8));
                    // whatever came before, the action ends here: a response, and the end of a list it may have started
                    out.writeBytes(("\r\n\r\nResponse: Success\r\nActionID: " + id + "\r\n\r\nEvent: FuzzListComplete\r\n"
                            + "ActionID: " + id + "\r\nEventList: Complete\r\n\r\n").getBytes(UTF_8));
                    session.sendRaw(out.toByteArray());
                }
            });
            ami = ManagerConnection.builder().port(server.port()).username("fuzz").secret("fuzz")
                    .keepAlive(Duration.ZERO).reconnect(false).actionTimeout(Duration.ofSeconds(30)).build();
            ami.connect();
        }
        return ami;
    }

    @FuzzTest
    @DictionaryFile(resourcePath = "codec/ami.dict")
    void eventList(byte[] asteriskSends) throws Exception {
        try (var allowed = BugDetectors.allowNetworkConnections((host, port) -> isLoopback(host))) {
            ManagerConnection c = connection();
            script = asteriskSends;
            String id = "fuzz-" + IDS.incrementAndGet();
            AmiResponse r;
            try {
                r = c.send(AmiAction.of("FuzzList").add("ActionID", id)).get(20, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("the action did not complete with its response", e);
            }
            require(r.message().isResponse() && id.equals(r.actionId()), () -> "the action's own response: " + r.message());
            for (AmiMessage e : r.events()) {
                require(e.isEvent() && id.equals(e.actionId()), () -> "a list holds only its own events: " + e);
            }
            if (!r.events().isEmpty()) {
                AmiMessage last = r.events().get(r.events().size() - 1);
                require(last.is("EventList", "Complete") || last.is("EventList", "Cancelled"), "a list ends with its last event");
                require(r.items().size() == r.events().size() - 1 || last.is("EventList", "Cancelled"), "items() leaves out Complete");
            }
            require(c.state() == ConnectionState.LOGGED_IN && server.connectionCount() == 1,
                    () -> "the connection survived: " + c.state() + ", connections " + server.connectionCount());
        }
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
