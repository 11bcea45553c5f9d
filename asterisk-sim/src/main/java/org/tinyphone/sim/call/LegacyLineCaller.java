package org.tinyphone.sim.call;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Speaks the original script's legacy lines on 12001 exactly as the 2012 Ruby per-call script
 * ({@code tinyphone_eagi_client.rb}) did: {@code new_call} with {@code callerid|dnid|args}, a {@code keypress} per
 * key, an {@code audio_level} every 553 samples (the maximum signed sample, as the script computed it) while audio
 * flows, and {@code hangup} before it closes.
 */
final class LegacyLineCaller {
    /** Samples per audio_level line in the Ruby script (~14.5 per second at 8 kHz). */
    static final int SAMPLES_PER_LEVEL = 553;

    private LegacyLineCaller() {}

    /** The lines of a whole call, without timing, for a call id (used by tests and by {@link #place}). */
    static String newCallLine(String id, SimulatedCall call) {
        List<String> fields = new ArrayList<>();
        fields.add(call.from().startsWith("+") ? call.from().substring(1) : call.from());
        fields.add(call.to());
        for (String arg : call.args()) {
            // the script strips { , | : } and URI-escapes each argument
            fields.add(URLEncoder.encode(arg.replaceAll("[{,|:}]", ""), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return line(id, "new_call", String.join("|", fields));
    }

    static String line(String id, String event, String value) {
        return "id:" + id + ",event:" + event + ",value:" + value + "\n";
    }

    static CallResult place(SimulatedCall call, InetSocketAddress server) throws IOException, InterruptedException {
        long started = System.nanoTime();
        String id = SimulatedAsterisk.nextUniqueId(); // the original script sent Asterisk's uniqueid
        KeyPad keypad = new KeyPad(call);
        long frames = 0;
        // the relay never answers these lines: whatever comes back, or a close before the hangup, is another protocol
        AtomicReference<String> answer = new AtomicReference<>();
        AtomicBoolean hangupSent = new AtomicBoolean(); // after it the relay may close: the call is over
        Thread reader = null;
        try (Socket socket = new Socket()) {
            socket.connect(server, 5000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            reader = Thread.ofVirtual().name("sim-legacy-read " + id).start(() -> {
                try {
                    byte[] first = new byte[80];
                    int n = in.read(first);
                    if (n < 0 && hangupSent.get()) return;
                    answer.set(n < 0 ? "" : new String(first, 0, n, StandardCharsets.ISO_8859_1).lines().findFirst().orElse(""));
                    keypad.hangUp();
                } catch (IOException closedByUs) {
                    // the call is over
                }
            });
            write(out, newCallLine(id, call));
            keypad.start(System.nanoTime());
            AudioSource.Frames audio = call.audio() == null ? null : call.audio().open();
            long nextFrame = System.nanoTime();
            int windowSamples = 0;
            int windowMax = Integer.MIN_VALUE;
            while (true) {
                int key;
                while ((key = keypad.pollKey()) >= 0) {
                    write(out, line(id, "keypress", String.valueOf((char) key)));
                }
                if (key == KeyPad.HANGUP) {
                    break;
                }
                long now = System.nanoTime();
                if (audio != null && now - nextFrame >= 0) {
                    StringBuilder levels = new StringBuilder();
                    for (int f = 0; f < call.framesPerBurst(); f++) {
                        ByteBuffer frame = ByteBuffer.wrap(audio.next()).order(ByteOrder.LITTLE_ENDIAN);
                        frames++;
                        while (frame.hasRemaining()) {
                            windowMax = Math.max(windowMax, frame.getShort());
                            if (++windowSamples == SAMPLES_PER_LEVEL) {
                                levels.append(line(id, "audio_level", Integer.toString(windowMax)));
                                windowSamples = 0;
                                windowMax = Integer.MIN_VALUE;
                            }
                        }
                    }
                    nextFrame += 20_000_000L * call.framesPerBurst();
                    if (!levels.isEmpty()) {
                        write(out, levels.toString());
                    }
                    continue;
                }
                long wake = audio == null ? keypad.nextEventAt() : Math.min(nextFrame, keypad.nextEventAt());
                sleepUntil(wake);
            }
            hangupSent.set(true);
            if (answer.get() == null) {
                write(out, line(id, "hangup", "0")); // the script sends 0 when WAIT FOR DIGIT fails at the hangup
            }
        } catch (IOException e) {
            if (reader != null) reader.join(1000); // a write that failed because the server closed or answered
            if (answer.get() == null) throw e;
        }
        if (answer.get() != null) {
            throw answer.get().isEmpty() ? WrongPeer.closed(server, "the legacy lines")
                    : WrongPeer.answered(server, answer.get(), "the legacy lines");
        }
        return new CallResult(Via.LEGACY, id, keypad.pressed(), List.of(), CallResult.EndedBy.CALLER, frames,
                Duration.ofNanos(System.nanoTime() - started));
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
