package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tinyphone.sim.call.AudioSource;
import org.tinyphone.sim.call.CallResult;
import org.tinyphone.sim.call.SimulatedCall;
import org.tinyphone.sim.call.Simulator;
import org.tinyphone.sim.call.Via;

/**
 * The live page in a real browser: headless chromium opens http://host:port/?number=N, a simulated call with audio
 * comes in, and the page shows the caller, the keys and a moving audio meter, then the hang-up.
 */
@Tag("browser")
class LivePageBrowserTest {
    private static final String NUMBER = "13605162099";
    private static final String CARDS = "JSON.stringify([...document.querySelectorAll('.card')].map(c => ({"
            + "state: c.dataset.state, caller: c.querySelector('.caller').textContent,"
            + "name: (c.querySelector('.name') || {}).textContent || '', keys: c.querySelector('.keys').dataset.all || '',"
            + "level: Number(c.querySelector('.meter').dataset.level), updates: Number(c.querySelector('.meter').dataset.updates),"
            + "distinct: Number(c.querySelector('.meter').dataset.distinct), width: c.querySelector('.meter .bar').style.width})))";

    @Test
    void thePageShowsTheCallerTheKeysAMovingMeterAndTheHangup() throws Exception {
        Optional<String> binary = HeadlessChromium.find();
        Assumptions.assumeTrue(binary.isPresent(),
                "chromium is not installed (apt-get install chromium; .ci/run installs it): browser test skipped");
        try (RunningServer server = RunningServer.start();
             HeadlessChromium browser = HeadlessChromium.open(binary.get(),
                     "http://127.0.0.1:" + server.port("http") + "/?number=" + NUMBER)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    "connected".equals(browser.eval("(document.getElementById('status') || {dataset: {}}).dataset.state")
                            .asText()));
            assertThat(browser.eval("document.title").asText()).contains(NUMBER);
            // the original web client's shape: tinyphone.on('new_call' | 'keypress' | 'hangup', fn) with {id, event, value}
            browser.eval("window.seen = []; tinyphone.on('new_call', e => seen.push(e.event + ' ' + e.value));"
                    + "tinyphone.on('keypress', e => seen.push(e.event + ' ' + e.value));"
                    + "tinyphone.on('hangup', e => seen.push(e.event)); true");
            assertThat(browser.eval("document.getElementById('empty').hidden").asBoolean()).isFalse();

            SimulatedCall call = SimulatedCall.of(NUMBER, "15550001111", "Carol", "12#").withAudio(AudioSource.tone())
                    .withTiming(Duration.ofMillis(800), Duration.ofMillis(400), Duration.ofSeconds(3));
            CompletableFuture<CallResult> placed = CompletableFuture.supplyAsync(() -> {
                try {
                    return Simulator.place(call, Via.RELAY, "127.0.0.1", server.port("relay"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            Set<String> widths = new HashSet<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                JsonNode cards = cards(browser);
                if (cards.size() != 1) {
                    return false;
                }
                JsonNode card = cards.get(0);
                widths.add(card.path("width").asText());
                return card.path("keys").asText().equals("12#") && card.path("distinct").asInt() >= 5
                        && widths.size() >= 3;
            });
            JsonNode card = cards(browser).get(0);
            assertThat(card.path("state").asText()).isEqualTo("live");
            assertThat(card.path("name").asText()).isEqualTo("Carol");
            assertThat(card.path("caller").asText()).startsWith("1555").endsWith("1111").contains("•••");
            assertThat(browser.eval("document.querySelectorAll('.card .key').length").asInt()).isEqualTo(3);
            assertThat(browser.eval("document.getElementById('empty').hidden").asBoolean()).isTrue();
            assertThat(browser.eval("document.querySelector('.number .ncalls').textContent").asText()).isEqualTo("1 call");
            assertThat(browser.eval("document.querySelector('.meter').dataset.audio || ''").asText()).as("relay calls have audio")
                    .isEmpty();
            // the page may command the call (this machine, access.local=full): it hears it and draws its waveform
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    browser.eval("Number(document.querySelector('.card .wave').dataset.frames)").asInt() >= 25);
            assertThat(browser.eval("document.querySelector('.card .wave').hidden").asBoolean()).isFalse();
            assertThat(browser.eval("Number(document.querySelector('.card .wave').dataset.peak)").asInt())
                    .as("the simulated caller's tone").isGreaterThan(1000);
            // a text message to the number, as Twilio posts it, shows in the page's list of messages
            browser.eval("tinyphone.on('sms', m => seen.push('sms ' + m.callerNumber + ' ' + m.message + ' ' + m.value)); true");
            assertThat(new org.tinyphone.server.sim.SimulatedSms("+" + NUMBER, "+15550002222", "Hello <b>page</b>, 50%")
                    .post("http://127.0.0.1:" + server.port("sms") + "/incoming", null).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    browser.eval("document.querySelectorAll('#messages li').length").asInt() == 1);
            assertThat(browser.eval("document.querySelector('#messages li .body').textContent").asText())
                    .isEqualTo("Hello <b>page</b>, 50%");
            assertThat(browser.eval("document.querySelectorAll('#messages b').length").asInt()).as("text, not markup").isZero();
            browser.screenshot(java.nio.file.Path.of("target", "live-page.png")); // for a person to look at
            // talk back from the page: tinyphone.say(call, 42) runs SAY NUMBER on the call
            JsonNode said = browser.eval("tinyphone.say(document.querySelector('.card').dataset.call, 42)");
            assertThat(said.path("ok").asBoolean()).as("say from the page: %s", said).isTrue();

            placed.get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    cards(browser).size() == 1 && cards(browser).get(0).path("state").asText().equals("ended"));
            assertThat(browser.eval("document.querySelector('.card .cause').textContent").asText()).contains("hung up");
            assertThat(browser.eval("document.getElementById('recent').textContent").asText()).contains("12#");
            // the ended card stays a moment: the header counts it apart, so the count matches the cards
            assertThat(browser.eval("document.querySelector('.number .ncalls').textContent").asText()).isEqualTo("0 calls · 1 ended");
            // a line cut short by the sidebar's width can be read whole on hover
            assertThat(browser.eval("document.querySelector('#recent li').title").asText()).contains("12#").contains("→ " + NUMBER);
            assertThat(browser.eval("JSON.stringify(seen)").asText()).isEqualTo(
                    "[\"new_call 15550001111\",\"keypress 1\",\"keypress 2\",\"keypress #\","
                    + "\"sms 15550002222 Hello <b>page</b>, 50% 15550002222|Hello%20%3Cb%3Epage%3C%2Fb%3E%2C%2050%25\",\"hangup\"]");
            assertThat(placed.join().commands()).anyMatch(c -> c.startsWith("SAY NUMBER 42"));

            // the address says what is watched: the form's empty number watches every number, and the address says so
            browser.eval("document.getElementById('number').value = ''; document.querySelector('#watch button').click(); true");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    browser.eval("location.search").asText().isEmpty() && browser.eval("document.title").asText().contains("all numbers"));
        }
    }

    @Test
    void aNumberGuardedByATokenSaysSoAndOpensWithTheToken() throws Exception {
        Optional<String> binary = HeadlessChromium.find();
        Assumptions.assumeTrue(binary.isPresent(),
                "chromium is not installed (apt-get install chromium; .ci/run installs it): browser test skipped");
        try (RunningServer server = RunningServer.start(java.util.Map.of("token." + NUMBER, "s3cret"));
             HeadlessChromium browser = HeadlessChromium.open(binary.get(),
                     "http://127.0.0.1:" + server.port("http") + "/?number=" + NUMBER)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    browser.eval("(document.getElementById('status') || {textContent: ''}).textContent").asText()
                            .contains("needs a token"));
            browser.eval("location.search = '?number=" + NUMBER + "&token=s3cret'; true");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    server.server.bridge().subscriberCount(NUMBER) == 1);
            CompletableFuture<CallResult> placed = CompletableFuture.supplyAsync(() -> {
                try {
                    return Simulator.place(SimulatedCall.of(NUMBER, "15550001111", "Carol", "7")
                            .withTiming(Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofSeconds(2)),
                            Via.FASTAGI, "127.0.0.1", server.port("fastagi"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                JsonNode cards = cards(browser);
                return cards.size() == 1 && cards.get(0).path("keys").asText().equals("7");
            });
            assertThat(browser.eval("document.querySelector('.meter').dataset.audio").asText()).as("FastAGI carries no audio")
                    .isEqualTo("none");
            placed.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void thePageDrawsTheCallsInProgressAtOnceWithoutAWebSocketRoundTrip() throws Exception {
        Optional<String> binary = HeadlessChromium.find();
        Assumptions.assumeTrue(binary.isPresent(),
                "chromium is not installed (apt-get install chromium; .ci/run installs it): browser test skipped");
        try (RunningServer server = RunningServer.start();
             HeadlessChromium browser = HeadlessChromium.open(binary.get(), "about:blank")) {
            CompletableFuture<CallResult> placed = CompletableFuture.supplyAsync(() -> {
                try {
                    return Simulator.place(SimulatedCall.of(NUMBER, "15550001111", "Carol", "47")
                            .withTiming(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(60)),
                            Via.RELAY, "127.0.0.1", server.port("relay"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> server.server.bridge().snapshot(NUMBER).stream()
                    .anyMatch(c -> c.keys().equals("47")));
            // the page's WebSocket never opens (as under a screenshot tool's virtual time): all it shows came with the page
            browser.send("Page.enable", HeadlessChromium.params());
            browser.send("Page.addScriptToEvaluateOnNewDocument", HeadlessChromium.params().put("source",
                    "window.WebSocket = function () { this.readyState = 0; this.send = function () {}; this.close = function () {}; };"));
            browser.send("Page.navigate", HeadlessChromium.params().put("url",
                    "http://127.0.0.1:" + server.port("http") + "/?number=" + NUMBER));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    browser.eval("document.readyState").asText().equals("complete") && cards(browser).size() == 1);
            JsonNode card = cards(browser).get(0);
            assertThat(card.path("state").asText()).isEqualTo("live");
            assertThat(card.path("name").asText()).isEqualTo("Carol");
            assertThat(card.path("keys").asText()).isEqualTo("47");
            assertThat(browser.eval("document.querySelector('.number .ncalls').textContent").asText()).isEqualTo("1 call");
            assertThat(browser.eval("document.getElementById('empty').hidden").asBoolean()).isTrue();
            assertThat(browser.eval("tinyphone.isConnected()").asBoolean()).as("no WebSocket").isFalse();
            assertThat(browser.eval("document.getElementById('status').textContent").asText())
                    .startsWith("connecting… (showing the calls as of");

            // a later snapshot (as after a reconnect) makes the keys whole and ends calls no longer in progress
            String id = browser.eval("document.querySelector('.card').dataset.call").asText();
            browser.eval("tinyphone.prime({type: 'subscribed', number: '" + NUMBER + "', calls: [{call: '" + id + "', number: '"
                    + NUMBER + "', caller_id: '15550001111', caller_name: 'Carol', keys: '479', via: 'relay'}]})");
            assertThat(cards(browser).get(0).path("keys").asText()).isEqualTo("479");
            browser.eval("tinyphone.prime({type: 'subscribed', number: '" + NUMBER + "', calls: []})");
            assertThat(cards(browser).get(0).path("state").asText()).isEqualTo("ended");
            assertThat(browser.eval("document.querySelector('.number .ncalls').textContent").asText()).isEqualTo("0 calls · 1 ended");
        }   // the server stopping ends the call
    }

    @Test
    void tinyphoneJsStreamsACallToATwilioAppSeesHowItGoesAndStopsIt() throws Exception {
        Optional<String> binary = HeadlessChromium.find();
        Assumptions.assumeTrue(binary.isPresent(),
                "chromium is not installed (apt-get install chromium; .ci/run installs it): browser test skipped");
        try (org.tinyphone.server.stream.TwilioTestApp app = new org.tinyphone.server.stream.TwilioTestApp();
             RunningServer server = RunningServer.start(java.util.Map.of("stream.allow", "127.0.0.1"));
             HeadlessChromium browser = HeadlessChromium.open(binary.get(),
                     "http://127.0.0.1:" + server.port("http") + "/?number=unknown")) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    "connected".equals(browser.eval("(document.getElementById('status') || {dataset: {}}).dataset.state").asText()));
            browser.eval("window.streams = []; tinyphone.on('stream', e => streams.push(e.status + ' ' + e.detail + ' ' + e.value)); true");
            java.util.UUID uuid = java.util.UUID.randomUUID();
            String url = "ws://127.0.0.1:" + app.port() + "/media";
            try (org.tinyphone.sim.audio.AudioSocketCaller caller = org.tinyphone.sim.audio.AudioSocketCaller.connect("127.0.0.1",
                    server.port("audiosocket"), uuid)) {
                caller.sendAudio(new byte[320], org.tinyphone.sim.audio.AudioSocketCaller.Pacing.FAST);
                JsonNode started = browser.eval("tinyphone.stream('" + uuid + "', '" + app.uri() + "')");
                assertThat(started.path("ok").asBoolean()).as(started.toString()).isTrue();
                assertThat(started.path("value").asText()).isEqualTo(url);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                        browser.eval("streams.length").asInt() == 1);
                assertThat(browser.eval("streams[0]").asText())
                        .isEqualTo("connected " + url + " connected|" + java.net.URLEncoder.encode(url, java.nio.charset.StandardCharsets.UTF_8)
                                .replace("+", "%20"));
                assertThat(app.last().events("start").get(0).path("start").path("callSid").asText()).isEqualTo(uuid.toString());
                JsonNode stopped = browser.eval("tinyphone.stopStream('" + uuid + "')");
                assertThat(stopped.path("ok").asBoolean()).as(stopped.toString()).isTrue();
                await().atMost(Duration.ofSeconds(30)).until(() -> app.last().events("stop").size() == 1);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                        browser.eval("streams.length").asInt() == 2);
                assertThat(browser.eval("streams[1]").asText()).startsWith("stopped ");
                caller.hangUp();
            }
        }
    }

    @Test
    void tinyphoneJsHearsACallsSamplesExactlySendsAudioBackAndAPageThatMayOnlyWatchAsksForNoAudio() throws Exception {
        Optional<String> binary = HeadlessChromium.find();
        Assumptions.assumeTrue(binary.isPresent(),
                "chromium is not installed (apt-get install chromium; .ci/run installs it): browser test skipped");
        byte[] pcm;
        try (java.io.InputStream in = org.tinyphone.sim.Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            pcm = java.util.Arrays.copyOf(org.tinyphone.sim.audio.Pcm.fromWav(in), 320 * 50);
        }
        try (RunningServer server = RunningServer.start();
             HeadlessChromium browser = HeadlessChromium.open(binary.get(),
                     "http://127.0.0.1:" + server.port("http") + "/?number=unknown")) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    "connected".equals(browser.eval("(document.getElementById('status') || {dataset: {}}).dataset.state").asText()));
            browser.eval("window.heard = []; window.ends = []; tinyphone.on('audio', e => { for (const s of e.samples) heard.push(s); });"
                    + "tinyphone.on('audio_end', e => ends.push(e.reason + ' ' + e.frames + ' ' + e.lost)); true");
            java.util.UUID uuid = java.util.UUID.randomUUID();
            try (org.tinyphone.sim.audio.AudioSocketCaller caller = org.tinyphone.sim.audio.AudioSocketCaller.connect("127.0.0.1",
                    server.port("audiosocket"), uuid)) {
                // the page listens to the new call by itself (µ-law, for its waveform)
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        Scrape.value(Scrape.metrics(server.port("http")), "tinyphone_stream_listeners") == 1);
                caller.sendAudio(pcm, org.tinyphone.sim.audio.AudioSocketCaller.Pacing.FAST);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                        browser.eval("heard.length").asInt() == 8000);
                byte[] expected = org.tinyphone.audio.codec.Mulaw.toPcm(org.tinyphone.audio.codec.Mulaw.fromPcm(pcm, 0, pcm.length),
                        0, pcm.length / 2);
                JsonNode heard = browser.eval("heard");
                for (int i = 0; i < 8000; i++) {
                    assertThat(heard.get(i).asInt()).as("sample %d after the µ-law round trip", i)
                            .isEqualTo((int) (short) ((expected[2 * i] & 0xff) | expected[2 * i + 1] << 8));
                }
                // audio to the caller from the page: an Int16Array of samples, as slin
                browser.eval("window.tone = new Int16Array(4000); for (let i = 0; i < 4000; i++) tone[i] = Math.round("
                        + "6000 * Math.sin(2 * Math.PI * 440 * i / 8000)); true");
                JsonNode sent = browser.eval("tinyphone.sendAudio('" + uuid + "', 'slin', tone)");
                assertThat(sent.path("ok").asBoolean()).as(sent.toString()).isTrue();
                java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
                while (back.size() < 8000) {
                    org.tinyphone.sim.audio.AudioSocketCaller.Frame f = caller.readFrame(Duration.ofSeconds(20));
                    if (f.type() == org.tinyphone.sim.audio.AudioSocketCaller.AUDIO_8K) back.writeBytes(f.payload());
                }
                byte[] got = back.toByteArray();
                for (int i = 0; i < 4000; i++) {
                    assertThat((int) (short) ((got[2 * i] & 0xff) | got[2 * i + 1] << 8))
                            .isEqualTo((int) Math.round(6000 * Math.sin(2 * Math.PI * 440 * i / 8000)));
                }
                caller.hangUp();
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    browser.eval("ends.length").asInt() == 1);
            assertThat(browser.eval("ends[0]").asText()).isEqualTo("hangup 50 0");
        }
        // a page that may only watch: no waveform, and it asks for none (no refusal is logged or counted)
        try (RunningServer server = RunningServer.start(java.util.Map.of("access.local", "watch"));
             HeadlessChromium browser = HeadlessChromium.open(binary.get(),
                     "http://127.0.0.1:" + server.port("http") + "/?number=unknown")) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    "connected".equals(browser.eval("(document.getElementById('status') || {dataset: {}}).dataset.state").asText()));
            try (org.tinyphone.sim.audio.AudioSocketCaller caller = org.tinyphone.sim.audio.AudioSocketCaller.connect("127.0.0.1",
                    server.port("audiosocket"), java.util.UUID.randomUUID())) {
                caller.sendAudio(pcm, org.tinyphone.sim.audio.AudioSocketCaller.Pacing.REAL_TIME);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                        cards(browser).size() == 1 && cards(browser).get(0).path("distinct").asInt() >= 3);
                assertThat(browser.eval("document.querySelector('.card .wave').hidden").asBoolean()).isTrue();
                caller.hangUp();
            }
            String metrics = Scrape.metrics(server.port("http"));
            assertThat(Scrape.value(metrics, "tinyphone_client_refusals_total")).isZero();
            assertThat(Scrape.value(metrics, "tinyphone_stream_listens_total")).isZero();
        }
    }

    private static JsonNode cards(HeadlessChromium browser) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(browser.eval(CARDS).asText());
    }
}
