package org.tinyphone.server.ingress;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.ari.Ari;
import org.tinyphone.ari.AriEvent;
import org.tinyphone.ari.AriException;
import org.tinyphone.ari.AriHttpException;
import org.tinyphone.ari.ExternalMedia;
import org.tinyphone.ari.StasisCall;
import org.tinyphone.net.LogLimiter;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Call;

/**
 * The caller's audio of an ARI call, for {@code audio_level}: ARI externalMedia to the server's own AudioSocket
 * listener, bridged with the caller, as capture 10c shows. For each call, once it is answered, on a thread of its own
 * (keys are read meanwhile): a mixing bridge {@code tinyphone-audio-<uuid>}, an externalMedia channel
 * ({@code encapsulation=audiosocket transport=tcp format=slin data=<uuid>}) which Asterisk connects to
 * {@code host:port} with that UUID (an audio-only join: {@link AudioSocketJoins#registerAudio}), then, once that
 * channel is in Stasis, both channels into the bridge. When the call ends, the externalMedia channel is hung up (the
 * AudioSocket listener also sends its hangup frame) and the bridge destroyed.
 *
 * <p>Why AudioSocket and not chan_websocket (capture 10a): no extra Asterisk config ({@code external_host} is a plain
 * {@code host:port}; chan_websocket needs a {@code websocket_client.conf} entry, or us connecting to Asterisk's
 * {@code /media/<id>} and a channel that stays Down until we do), Asterisk connects and answers in the same
 * millisecond as its 200 with no handshake (chan_websocket: MEDIA_START text first), chan_audiosocket is in every
 * Asterisk since 18 while chan_websocket arrived in 22.5, and the frames are the ones the AudioSocket listener
 * already reads, with its caps, allow-list and UUID deadline. {@code slin} (8 kHz, frame type 0x10, 320 bytes per
 * 20 ms) is asked for: the level meter needs no more, and it is half of slin16's bytes.
 *
 * <p>Failures cost the call only its levels: they are logged (rate-limited) and the call goes on.
 */
final class AriCallerAudio {
    private static final Logger log = LoggerFactory.getLogger(AriCallerAudio.class);
    private static final LogLimiter LIMIT = new LogLimiter(5, Duration.ofSeconds(10));
    /** The format asked of chan_audiosocket. */
    static final String FORMAT = "slin";
    /** How long the externalMedia channel may take to enter Stasis (Asterisk: the same millisecond, 10c). */
    static final Duration ENTER_TIMEOUT = Duration.ofSeconds(10);

    private final AudioSocketJoins joins;
    private final String hostPort;
    /** externalMedia channels waiting for their StasisStart, by channel id. */
    private final Map<String, CompletableFuture<Void>> entering = new ConcurrentHashMap<>();
    /** Calls whose audio is set up or being set up, and not cleaned up yet. */
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();

    /** @param hostPort where Asterisk connects for the audio: the AudioSocket listener, as Asterisk reaches it */
    AriCallerAudio(AudioSocketJoins joins, String hostPort) {
        this.joins = joins;
        this.hostPort = hostPort;
    }

    String hostPort() { return hostPort; }

    /** Every event of the ARI connection (an event listener): the externalMedia channels' StasisStart and end. */
    void onEvent(AriEvent e) {
        switch (e) {
            case AriEvent.StasisStart s -> {
                CompletableFuture<Void> f = entering.get(s.channelId());
                if (f != null) f.complete(null);
            }
            case AriEvent.ChannelDestroyed d -> {
                CompletableFuture<Void> f = entering.get(d.channelId());
                if (f != null) f.completeExceptionally(new IllegalStateException("Asterisk destroyed it (cause " + d.cause()
                        + (d.causeTxt() == null ? "" : " " + d.causeTxt()) + ") before it entered Stasis: it could not connect to "
                        + hostPort + "?"));
            }
            default -> { }
        }
    }

    /**
     * Asks Asterisk for the caller's audio of {@code call}. Returns at once: the requests run on a thread of their
     * own, which then waits for the call's end to hang up the externalMedia channel and destroy the bridge (so that
     * what it made is cleaned up even when the call ends while it is being made).
     */
    void start(StasisCall stasis, Call call) {
        active.incrementAndGet();
        Thread.ofVirtual().name("ari-audio-" + stasis.id()).start(() -> {
            try {
                run(stasis, call);
            } finally {
                active.decrementAndGet();
            }
        });
    }

    /** Waits (up to {@code deadline}, System.nanoTime) until the audio of every ended call is cleaned up; true if so. */
    boolean awaitCleanedUp(long deadline) throws InterruptedException {
        while (active.get() > 0) {
            if (System.nanoTime() - deadline >= 0) return false;
            Thread.sleep(10);
        }
        return true;
    }

    private void run(StasisCall stasis, Call call) {
        Ari ari = stasis.ari();
        UUID uuid = joins.registerAudio(call);
        String bridge = "tinyphone-audio-" + uuid;
        String media = "tinyphone-audio-" + uuid;
        CompletableFuture<Void> entered = new CompletableFuture<>();
        entering.put(media, entered);
        call.whenHungUp().whenComplete((cause, error) -> entered.completeExceptionally(new IllegalStateException("the call ended")));
        try {
            connect(ari, stasis, call, uuid, bridge, media, entered);
        } finally {
            entering.remove(media);
        }
        try {
            call.whenHungUp().toCompletableFuture().join();
        } catch (RuntimeException ignored) {
            // the call ended all the same
        }
        cleanUp(ari, call, bridge, media);
    }

    private void connect(Ari ari, StasisCall stasis, Call call, UUID uuid, String bridge, String media,
                         CompletableFuture<Void> entered) {
        try {
            if (call.ended()) return;
            ari.bridges().create("mixing", bridge, "tinyphone audio");
            ari.channels().externalMedia(ExternalMedia.audiosocket(stasis.application(), hostPort, FORMAT, uuid.toString())
                    .channelId(media));
            entered.get(ENTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            ari.bridges().addChannel(bridge, stasis.id(), media);
        } catch (AriHttpException e) {
            if (call.ended()) return;   // the caller hung up meanwhile: its channel is gone
            LIMIT.warn(log, "ari audio refused", "call {}: no audio levels: Asterisk refused {} {} ({} {})", LogText.escape(call.id()),
                    e.method(), LogText.escape(e.path()), e.status(), LogText.escape(e.asteriskMessage()));
        } catch (AriException e) {
            if (!call.ended()) LIMIT.warn(log, "ari audio failed", "call {}: no audio levels: {}", LogText.escape(call.id()),
                    e.getMessage());   // escaped already (AriException)
        } catch (ExecutionException | TimeoutException e) {
            if (!call.ended()) LIMIT.warn(log, "ari audio no stasis", "call {}: no audio levels: the externalMedia channel to {} "
                    + "{}", LogText.escape(call.id()), hostPort, e instanceof TimeoutException
                    ? "did not enter Stasis within " + ENTER_TIMEOUT.toSeconds() + " s" : LogText.escape(e.getCause().getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The call ended: the externalMedia channel and the bridge go (either may never have been made, or be gone). */
    private static void cleanUp(Ari ari, Call call, String bridge, String media) {
        for (Runnable step : new Runnable[] {() -> ari.channels().hangup(media), () -> ari.bridges().destroy(bridge)}) {
            try {
                step.run();
            } catch (AriHttpException e) {
                if (e.status() != 404) log.debug("call {}: cleaning up its audio: {}", LogText.escape(call.id()), e.getMessage());
            } catch (AriException e) {
                log.debug("call {}: cleaning up its audio: {}", LogText.escape(call.id()), e.getMessage());
            }
        }
    }
}
