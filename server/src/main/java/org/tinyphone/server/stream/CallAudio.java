package org.tinyphone.server.stream;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.net.LogText;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.config.TinyphoneConfig;

/**
 * A call that has audio, as its ingress feeds it ({@link #audio}): the media stream it has now, if any — its number's
 * app from the start, or one a subscriber's {@code stream} command opened — and that command and {@code stop_stream};
 * the clients listening to it ({@code listen}: {@link Listeners}) and the audio clients send it ({@code send_audio},
 * {@code clear_audio}: {@link ClientPlayback}). One stream at a time. Made by {@link MediaStreams#attach}; the call's
 * hangup, or {@link #audioEnded}, ends the listening and the clients' audio.
 */
public final class CallAudio {
    private static final Logger log = LoggerFactory.getLogger(CallAudio.class);

    private final MediaStreams owner;
    private final Call call;
    private final MediaStream.AudioBack back;
    private final Listeners listeners;
    private volatile MediaStream current;
    private volatile int callerRate = TwilioMessages.SAMPLE_RATE;
    private ClientPlayback playback; // guarded by this; made at the first send_audio
    private String over;             // guarded by this: why no more audio goes to the caller

    CallAudio(MediaStreams owner, Call call, MediaStream.AudioBack back) {
        this.owner = owner;
        this.call = call;
        this.back = back;
        this.listeners = new Listeners(owner, call.id());
        call.whenHungUp().whenComplete((cause, error) -> audioEnded("hangup"));
    }

    /**
     * The caller's audio (slin 16-bit little-endian mono at 8000 or 16000 Hz, any chunking), from the ingress's one audio
     * thread; to the stream open now, if any, and to the clients listening. Never blocks.
     */
    public void audio(int sampleRate, byte[] pcm, int offset, int length) {
        callerRate = sampleRate;
        MediaStream s = current;
        if (s != null) s.audio(sampleRate, pcm, offset, length);
        listeners.audio(sampleRate, pcm, offset, length);
    }

    /**
     * The call's audio is over ({@code reason}: {@code hangup}, or its audio connection closed while the call goes on):
     * the clients listening get their end, the clients' audio waiting to be played is dropped. Idempotent.
     */
    public void audioEnded(String reason) {
        ClientPlayback p;
        synchronized (this) {
            if (over == null) over = reason;
            p = playback;
            playback = null;
        }
        listeners.end(reason);
        if (p != null) p.close();
    }

    /** The stream open now, if any. */
    public java.util.Optional<MediaStream> stream() {
        return java.util.Optional.ofNullable(current);
    }

    /** Opens a stream to {@code app} unless one is open; null when one is. */
    synchronized MediaStream open(MediaStream.Target app) {
        MediaStream s = current;
        if (s != null && !s.ended()) return null;
        s = new MediaStream(owner, call, app, back, this::ended);
        current = s;
        return s;
    }

    private synchronized void ended(MediaStream s) {
        if (current == s) current = null;
    }

    /** {@code stream} and {@code stop_stream} from a subscriber (already allowed to command the call). */
    CompletableFuture<CommandResult> command(CallCommand.Media command) {
        return CompletableFuture.completedFuture(switch (command) {
            case CallCommand.Stream st -> {
                URI url = TinyphoneConfig.streamUrlOf(st.url()).orElse(null);
                if (url == null) yield CommandResult.failed("stream: url must be " + TinyphoneConfig.STREAM_URL);
                String refused = owner.refusal(url);
                if (refused != null) {
                    log.info("call {}: stream to {} refused: {}", LogText.escape(call.id()), LogText.escape(MediaStream.withoutQuery(url)),
                            refused);
                    yield CommandResult.failed("stream: " + refused);
                }
                if (call.ended()) yield CommandResult.failed("call has ended");
                MediaStream opened = open(new MediaStream.Target.Outbound(url));
                if (opened == null) {
                    yield CommandResult.failed("stream: call " + call.id() + " streams to " + current.app()
                            + " already; send stop_stream first");
                }
                owner.opened.incrementAndGet();
                yield CommandResult.ok(opened.app());
            }
            case CallCommand.StopStream stop -> {
                MediaStream s = current;
                if (s == null || s.ended()) yield CommandResult.failed("stop_stream: call " + call.id() + " has no media stream");
                s.stop();
                yield CommandResult.ok(s.app());
            }
            case CallCommand.Listen l -> {
                String refused = listeners.add(l.sink(), l.format());
                yield refused == null ? CommandResult.ok(l.format().wireName()) : CommandResult.failed("listen: " + refused);
            }
            case CallCommand.SendAudio a -> {
                ClientPlayback p = playback();
                yield p == null ? noAudioBack(a.kind()) : p.send(a.format(), a.audio());
            }
            case CallCommand.ClearAudio c -> {
                ClientPlayback p = playback();
                yield p == null ? noAudioBack(c.kind()) : p.clear();
            }
        });
    }

    /** The clients' audio to this call, made at first use; null when none can go back, or the call's audio is over. */
    private synchronized ClientPlayback playback() {
        if (back == null || over != null) return null;
        if (playback == null) playback = new ClientPlayback(owner, call.id(), back, callerRate == 16000 ? 16000 : 8000);
        return playback;
    }

    private synchronized CommandResult noAudioBack(String kind) {
        if (back == null) {
            return CommandResult.failed(kind + ": call " + call.id() + " came in over the EAGI relay, which carries the "
                    + "caller's audio only: no audio can go back to the caller");
        }
        return CommandResult.failed(kind + ": the audio of call " + call.id() + " has ended (" + over + ")");
    }
}
