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
 * app from the start, or one a subscriber's {@code stream} command opened — and that command and {@code stop_stream}.
 * One stream at a time. Made by {@link MediaStreams#attach}.
 */
public final class CallAudio {
    private static final Logger log = LoggerFactory.getLogger(CallAudio.class);

    private final MediaStreams owner;
    private final Call call;
    private final MediaStream.AudioBack back;
    private volatile MediaStream current;

    CallAudio(MediaStreams owner, Call call, MediaStream.AudioBack back) {
        this.owner = owner;
        this.call = call;
        this.back = back;
    }

    /**
     * The caller's audio (slin 16-bit little-endian mono at 8000 or 16000 Hz, any chunking), from the ingress's one audio
     * thread; to the stream open now, if any. Never blocks.
     */
    public void audio(int sampleRate, byte[] pcm, int offset, int length) {
        MediaStream s = current;
        if (s != null) s.audio(sampleRate, pcm, offset, length);
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
        });
    }
}
