package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tinyphone.audio.codec.Mulaw;
import org.tinyphone.client.AudioFormat;
import org.tinyphone.client.AudioFrame;
import org.tinyphone.client.AudioListener;
import org.tinyphone.client.CommandResult;
import org.tinyphone.client.TinyphoneClient;
import org.tinyphone.client.TinyphoneEvent;
import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.audio.AudioSocketCaller;
import org.tinyphone.sim.audio.Pcm;

/** The Java client (client module) hears a call's audio and speaks to the caller, against the real server. */
class ClientAudioEndToEndTest {

    @Test
    void theJavaClientListensInMulawSendsLinearAudioBackAndHearsTheEndBeforeTheHangup() throws Exception {
        byte[] pcm;
        try (InputStream in = Transcript.resource("04c-eagi-audio-8k-s16le.wav")) {
            pcm = java.util.Arrays.copyOf(Pcm.fromWav(in), 320 * 100);
        }
        byte[] tone = Pcm.tone(440, Duration.ofSeconds(1), 8000);
        List<String> story = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream heard = new ByteArrayOutputStream();
        try (RunningServer server = RunningServer.start();
             TinyphoneClient client = TinyphoneClient.builder().port(server.port("clients")).listener(e -> {
                 if (e instanceof TinyphoneEvent.Hangup) story.add("hangup");
             }).connect()) {
            client.subscribe("unknown").get(10, TimeUnit.SECONDS);
            UUID uuid = UUID.randomUUID();
            try (AudioSocketCaller caller = AudioSocketCaller.connect("127.0.0.1", server.port("audiosocket"), uuid)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> server.server.bridge().find(uuid.toString()).isPresent());
                CommandResult listening = client.listen(uuid.toString(), AudioFormat.ULAW, new AudioListener() {
                    @Override
                    public void onFrame(AudioFrame frame) {
                        synchronized (heard) {
                            heard.writeBytes(frame.audio());
                        }
                    }

                    @Override
                    public void onEnd(String callId, String reason, long frames, long lost) {
                        story.add("end " + reason + " " + frames + " " + lost);
                    }
                }).get(10, TimeUnit.SECONDS);
                assertThat(listening).isEqualTo(CommandResult.ok("ulaw"));
                caller.sendAudio(pcm, AudioSocketCaller.Pacing.FAST);
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    synchronized (heard) {
                        return heard.size() == 160 * 100;
                    }
                });
                assertThat(heard.toByteArray()).isEqualTo(Mulaw.fromPcm(pcm, 0, pcm.length));

                CommandResult sent = client.sendAudio(uuid.toString(), AudioFormat.SLIN, tone).get(10, TimeUnit.SECONDS);
                assertThat(sent.ok()).as(sent.toString()).isTrue();
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                while (back.size() < tone.length) {
                    AudioSocketCaller.Frame f = caller.readFrame(Duration.ofSeconds(20));
                    if (f.type() == AudioSocketCaller.AUDIO_8K) back.writeBytes(f.payload());
                }
                assertThat(back.toByteArray()).isEqualTo(tone);
                assertThat(client.clearAudio(uuid.toString()).get(10, TimeUnit.SECONDS)).isEqualTo(CommandResult.ok("0"));
                caller.hangUp();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> story.contains("hangup"));
            assertThat(story).containsExactly("end hangup 100 0", "hangup");
        }
    }
}
