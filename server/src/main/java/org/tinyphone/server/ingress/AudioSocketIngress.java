package org.tinyphone.server.ingress;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.audio.level.LevelMeter;
import org.tinyphone.server.bridge.Bridge;
import org.tinyphone.server.bridge.Call;
import org.tinyphone.server.bridge.CallCommand;
import org.tinyphone.server.bridge.CallControl;
import org.tinyphone.server.bridge.CallInfo;
import org.tinyphone.server.bridge.CommandResult;
import org.tinyphone.server.config.AddressAllowList;

/**
 * AudioSocket (12004): {@code AudioSocket(<uuid>,127.0.0.1:12004)} sends a UUID frame, then 20 ms signed-linear
 * audio frames and DTMF frames, and closes at hangup (Asterisk 22 sends no hangup frame). The connection joins the
 * call the bridge app handed that UUID out for ({@code TINYPHONE_UUID}); an unknown UUID becomes a call of its own,
 * id = the UUID, dialed number {@value #UNKNOWN_NUMBER} (watch "*" to see it). DTMF frames become keypresses, audio
 * becomes {@code audio_level} (about 15 a second, only while audio flows); the close is the call's hangup. A call
 * hung up from our side (an app's hangup command) gets the hangup frame, which ends Asterisk's AudioSocket().
 */
public final class AudioSocketIngress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AudioSocketIngress.class);
    /** The dialed number of an AudioSocket call whose UUID no bridge app handed out. */
    public static final String UNKNOWN_NUMBER = "unknown";
    static final int KIND_HANGUP = 0x00;
    static final int KIND_UUID = 0x01;
    static final int KIND_DTMF = 0x03;
    static final int KIND_AUDIO_8K = 0x10;
    static final int KIND_ERROR = 0xff;
    /** How long a new connection may take to send its UUID frame. */
    static final int UUID_TIMEOUT_MILLIS = 10_000;

    private final Bridge bridge;
    private final AudioSocketJoins joins;
    private final TcpListener listener;

    private AudioSocketIngress(Bridge bridge, AudioSocketJoins joins, String bind, int port, AddressAllowList allow)
            throws IOException {
        this.bridge = bridge;
        this.joins = joins == null ? new AudioSocketJoins() : joins;
        this.listener = TcpListener.start("audiosocket", bind, port, allow, this::serve);
    }

    /** Starts listening ({@code port} 0: any free port). */
    public static AudioSocketIngress start(Bridge bridge, AudioSocketJoins joins, String bind, int port,
                                           AddressAllowList allow) throws IOException {
        return new AudioSocketIngress(bridge, joins, bind, port, allow);
    }

    public int port() {
        return listener.port();
    }

    /**
     * The talk-back channel of a call waiting for its AudioSocket connection: only {@code hangup}; other commands
     * need an AGI session.
     */
    static CallControl hangupOnlyControl(Call call) {
        return hangupOnlyControl(() -> CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)
                .execute(() -> call.hangup("app")));
    }

    /** As above; {@code hangup} runs the action (which must not end the call synchronously). */
    private static CallControl hangupOnlyControl(Runnable hangup) {
        return command -> CompletableFuture.completedFuture(switch (command) {
            case CallCommand.Hangup h -> {
                hangup.run();
                yield CommandResult.ok("");
            }
            default -> CommandResult.failed(command.kind() + " is not possible on an AudioSocket call: "
                    + "play, say and collect need the AGI session (FastAGI or the relay)");
        });
    }

    private void serve(Socket socket) {
        String peer = socket.getRemoteSocketAddress().toString();
        Call call = null;
        String cause = "caller";
        AtomicBoolean appHangup = new AtomicBoolean();
        try {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 4096));
            OutputStream out = socket.getOutputStream();
            socket.setSoTimeout(UUID_TIMEOUT_MILLIS);
            int kind = in.readUnsignedByte();
            int length = in.readUnsignedShort();
            if (kind != KIND_UUID || length != 16) {
                log.warn("audiosocket {}: first frame is not a UUID (type 0x{}, length {}); closing", peer,
                        Integer.toHexString(kind), length);
                return;
            }
            ByteBuffer id = ByteBuffer.wrap(in.readNBytes(16));
            UUID uuid = new UUID(id.getLong(), id.getLong());
            socket.setSoTimeout(0);
            call = joins.claim(uuid).orElse(null);
            if (call == null) {
                call = bridge.open(new CallInfo(uuid.toString(), "", "", UNKNOWN_NUMBER, null, "", "audiosocket",
                        null), null);
            }
            Call joined = call;
            ReentrantLock writeLock = new ReentrantLock();
            // an app's hangup asks Asterisk to end AudioSocket(); the call ends when it closes the connection
            joined.attachControl(hangupOnlyControl(() -> {
                appHangup.set(true);
                sendHangup(socket, out, writeLock);
            }));
            joined.whenHungUp().whenComplete((c, e) -> sendHangup(socket, out, writeLock));
            LevelMeter meter = new LevelMeter((peak, rms) -> joined.audioLevel(peak));
            int meterKind = KIND_AUDIO_8K;
            while (true) {
                kind = in.readUnsignedByte();
                length = in.readUnsignedShort();
                byte[] payload = in.readNBytes(length);
                if (payload.length != length) {
                    throw new EOFException("connection closed inside a frame");
                }
                if (kind == KIND_AUDIO_8K || kind >= 0x11 && kind <= 0x18) {
                    if (kind != meterKind) {
                        meter = LevelMeter.forSampleRate(sampleRate(kind), (peak, rms) -> joined.audioLevel(peak));
                        meterKind = kind;
                    }
                    meter.feed(payload, 0, payload.length);
                } else if (kind == KIND_DTMF) {
                    if (length == 1) {
                        joined.keypress((char) payload[0]);
                    }
                } else if (kind == KIND_HANGUP) {
                    return;
                } else if (kind == KIND_ERROR) {
                    log.info("audiosocket {}: Asterisk reported an error (code {})", peer,
                            length > 0 ? payload[0] & 0xff : -1);
                    cause = "audiosocket error";
                    return;
                } else {
                    log.debug("audiosocket {}: ignoring frame type 0x{}", peer, Integer.toHexString(kind));
                }
            }
        } catch (SocketTimeoutException e) {
            log.warn("audiosocket {}: no UUID frame within {} ms; closing", peer, UUID_TIMEOUT_MILLIS);
        } catch (EOFException e) {
            // Asterisk closes the connection when the channel hangs up
        } catch (IOException e) {
            log.debug("audiosocket {}: {}", peer, e.getMessage());
        } finally {
            if (call != null) {
                call.hangup(appHangup.get() ? "app" : cause);
            }
        }
    }

    /** Sample rate of the signed-linear frame kinds 0x10 (8 kHz) .. 0x18 (192 kHz). */
    static int sampleRate(int kind) {
        return switch (kind) {
            case 0x11 -> 12000;
            case 0x12 -> 16000;
            case 0x13 -> 24000;
            case 0x14 -> 32000;
            case 0x15 -> 44100;
            case 0x16 -> 48000;
            case 0x17 -> 96000;
            case 0x18 -> 192000;
            default -> 8000;
        };
    }

    private static void sendHangup(Socket socket, OutputStream out, ReentrantLock writeLock) {
        if (socket.isClosed()) {
            return;
        }
        writeLock.lock();
        try {
            out.write(new byte[] {KIND_HANGUP, 0, 0});
            out.flush();
        } catch (IOException ignored) {
            // Asterisk is gone already
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        listener.close();
    }
}
