package org.tinyphone.sim.call;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Connects as Asterisk's {@code AudioSocket(uuid,host:port)} application does: a UUID frame first, then 20 ms
 * signed-linear audio frames (while the caller has audio), a DTMF frame per key, and at the caller's hangup it
 * just closes the connection (Asterisk 22 sends no hangup frame). A hangup frame or a close from the server ends the
 * call from the server's side.
 */
final class AudioSocketCaller {
    static final int KIND_HANGUP = 0x00;
    static final int KIND_UUID = 0x01;
    static final int KIND_DTMF = 0x03;
    static final int KIND_AUDIO = 0x10;

    private AudioSocketCaller() {}

    static byte[] frame(int kind, byte[] payload) {
        return ByteBuffer.allocate(3 + payload.length).put((byte) kind).putShort((short) payload.length).put(payload)
                .array();
    }

    static byte[] uuidFrame(UUID uuid) {
        return frame(KIND_UUID, ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits()).array());
    }

    static CallResult place(SimulatedCall call, InetSocketAddress server, UUID uuid) throws IOException,
            InterruptedException {
        long started = System.nanoTime();
        KeyPad keypad = new KeyPad(call);
        AtomicBoolean serverEnded = new AtomicBoolean();
        Heard heard = new Heard();
        java.util.concurrent.atomic.AtomicReference<String> notAudioSocket = new java.util.concurrent.atomic.AtomicReference<>();
        long frames = 0;
        Thread reader = null;
        try (Socket socket = new Socket()) {
            socket.connect(server, 5000);
            socket.setTcpNoDelay(true);
            OutputStream out = new java.io.BufferedOutputStream(socket.getOutputStream(), 8192);
            InputStream in = socket.getInputStream();
            reader = Thread.ofVirtual().name("sim-audiosocket-read " + uuid).start(() -> {
                if (readUntilHangup(in, heard, notAudioSocket)) {
                    serverEnded.set(true);
                    keypad.hangUp();
                }
            });
            out.write(uuidFrame(uuid));
            out.flush();
            keypad.start(System.nanoTime());
            AudioSource.Frames audio = call.audio() == null ? null : call.audio().open();
            long nextFrame = System.nanoTime();
            while (true) {
                int key;
                while ((key = keypad.pollKey()) >= 0) {
                    out.write(frame(KIND_DTMF, new byte[] {(byte) key}));
                    out.flush();
                }
                if (key == KeyPad.HANGUP) {
                    break;
                }
                long now = System.nanoTime();
                if (audio != null && now - nextFrame >= 0) {
                    for (int f = 0; f < call.framesPerBurst(); f++) {
                        out.write(frame(KIND_AUDIO, audio.next()));
                        frames++;
                    }
                    out.flush();
                    nextFrame += 20_000_000L * call.framesPerBurst();
                    continue;
                }
                LegacyRelayCaller.sleepUntil(audio == null ? keypad.nextEventAt()
                        : Math.min(nextFrame, keypad.nextEventAt()));
            }
            // a server that ended the call: wait for the reader to have said how (a hangup frame, or not a word)
            if (serverEnded.get()) reader.join(1000);
        } catch (IOException e) {
            if (reader != null) reader.join(1000); // a write that failed because the server closed: how did it?
            if (!serverEnded.get()) {
                throw e;
            }
        }
        if (notAudioSocket.get() != null) {
            throw notAudioSocket.get().isEmpty() ? WrongPeer.closed(server, "AudioSocket")
                    : WrongPeer.answered(server, notAudioSocket.get(), "AudioSocket");
        }
        return new CallResult(Via.AUDIOSOCKET, uuid.toString(), keypad.pressed(), List.of(),
                serverEnded.get() ? CallResult.EndedBy.SERVER : CallResult.EndedBy.CALLER, frames,
                Duration.ofNanos(System.nanoTime() - started), heard.result());
    }

    /** The audio frames the server sends the caller: counted, and the first {@link CallResult.AudioBack#MAX_KEPT_BYTES} kept. */
    private static final class Heard {
        private final java.io.ByteArrayOutputStream samples = new java.io.ByteArrayOutputStream();
        private long frames;

        synchronized void add(byte[] slin8k) {
            frames++;
            int room = CallResult.AudioBack.MAX_KEPT_BYTES - samples.size();
            if (room > 0) samples.write(slin8k, 0, Math.min(room, slin8k.length));
        }

        synchronized CallResult.AudioBack result() {
            return frames == 0 ? CallResult.AudioBack.NONE : new CallResult.AudioBack(frames, samples.toByteArray());
        }
    }

    /**
     * Reads the server's frames, keeping its 8 kHz audio in {@code heard}; true if it sent a hangup frame or closed,
     * false if our side closed first. A server that closes without any frame, or sends something that is no
     * AudioSocket frame, speaks something else (or refused the call): {@code notAudioSocket} gets "" or the bytes it
     * sent, as text.
     */
    private static boolean readUntilHangup(InputStream raw, Heard heard,
                                           java.util.concurrent.atomic.AtomicReference<String> notAudioSocket) {
        DataInputStream in = new DataInputStream(raw);
        boolean framed = false;
        try {
            while (true) {
                int kind = in.readUnsignedByte();
                // hangup, UUID, DTMF, audio (slin 0x10, and 0x11-0x18 at other rates in newer Asterisk), error
                if (kind > KIND_DTMF && (kind < KIND_AUDIO || kind > 0x18) && kind != 0xff) {
                    byte[] rest = new byte[79];
                    int n = Math.max(0, in.read(rest));
                    notAudioSocket.set((char) kind + new String(rest, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)
                            .lines().findFirst().orElse(""));
                    return true;
                }
                int length = in.readUnsignedShort();
                if (kind == KIND_AUDIO) {
                    heard.add(in.readNBytes(length));
                } else {
                    in.skipNBytes(length);
                }
                framed = true;
                if (kind == KIND_HANGUP) {
                    return true;
                }
            }
        } catch (EOFException e) {
            if (!framed) notAudioSocket.set("");
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
