package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.server.sim.SimulatedSms;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * A page in the original web client's manner (src/test/resources/socketio/original-page.html), served from its own
 * origin as its author would, in headless Chromium: it loads /socket.io/socket.io.js from the server, connects with
 * socket.io, emits setup, and shows a simulated call's new_call, keys, audio levels and hangup, and a text message.
 * The page's origin is allowed with http.allowed-origins, as an operator would.
 */
@Tag("browser")
class OriginalWebClientBrowserTest {
    private static final String NUMBER = "13605162099";

    @Test
    void anOriginalStylePageOnItsOwnOriginSeesTheCallAndTheTextOverSocketIo() throws Exception {
        Optional<String> binary = HeadlessChromium.find();
        Assumptions.assumeTrue(binary.isPresent(),
                "chromium is not installed (apt-get install chromium; .ci/run installs it): browser test skipped");
        byte[] page;
        try (InputStream in = getClass().getResourceAsStream("/socketio/original-page.html")) {
            page = in.readAllBytes();
        }
        HttpServer author = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        author.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        author.start();
        String origin = "http://127.0.0.1:" + author.getAddress().getPort();
        try (RunningServer server = RunningServer.start(Map.of("http.allowed-origins", origin));
             HeadlessChromium browser = HeadlessChromium.open(binary.get(), origin + "/page.html?host=127.0.0.1&port="
                     + server.port("http") + "&number=" + NUMBER)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    server.server.bridge().subscriberCount(NUMBER) == 1);
            assertThat(browser.eval("document.getElementById('status').textContent").asText()).isEqualTo("connected");

            Simulator.place(SimulatedCall.of(NUMBER, "15550001111", "Carol", "12#").withAudio(AudioSource.tone())
                    .withTiming(Duration.ofMillis(600), Duration.ofMillis(300), Duration.ofSeconds(1)),
                    Via.RELAY, "127.0.0.1", server.port("relay"));
            assertThat(new SimulatedSms("+" + NUMBER, "+15550002222", "Hi page, 100% {real}")
                    .post("http://127.0.0.1:" + server.port("sms") + "/incoming", null).status()).isEqualTo(200);

            String events = "[...document.querySelectorAll('#events li')].map(li => li.textContent).join('\\n')";
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    browser.eval(events).asText().contains("sms "));
            String[] shown = browser.eval(events).asText().split("\n");
            assertThat(shown[0]).matches("new_call \\S+ 15550001111");
            assertThat(shown).containsSubsequence("keypress 15550001111 1", "keypress 15550001111 2",
                    "keypress 15550001111 #", "hangup 15550001111", "sms 15550002222 Hi page, 100% {real}");
            assertThat(shown).hasSize(6);
            int levels = browser.eval("levels.length").asInt();
            assertThat(levels).as("audio levels on the page").isGreaterThan(3);
            assertThat(browser.eval("levels.every(l => l >= 0 && l <= 1) && levels.some(l => l > 0.01)").asBoolean()).isTrue();
        } finally {
            author.stop(0);
        }
    }
}
