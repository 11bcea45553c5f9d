package org.tinyphone.ari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a hostile or broken "Asterisk" can send back to a REST request over HTTP: a body without end, or one that
 * drips. Either costs one request its answer (a clear {@link AriConnectionException}) and one connection, bounded in
 * memory and in time; the connection is dropped, so the peer's writes fail.
 */
@Timeout(60)
class RestAnswerBoundsTest {
    private static final long HUNDRED_MB = 100L << 20;

    @Test
    void anEndlessAnswerIsCutOffAtTheBodyLimitAndItsConnectionDropped() throws Exception {
        try (FakeAsterisk asterisk = new FakeAsterisk(64 * 1024, 0);
             HttpRestTransport rest = transport(asterisk, Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> rest.call(RestRequest.get("channels")))
                    .isInstanceOf(AriConnectionException.class).hasMessageContaining("over " + HttpRestTransport.MAX_BODY_BYTES + " bytes");
            long sent = asterisk.written.get(30, TimeUnit.SECONDS);
            assertThat(sent).as("the peer could not write its 100 MB: the connection was dropped").isLessThan(HUNDRED_MB);
        }
    }

    @Test
    void anAnswerThatDripsFailsAtTheRequestTimeoutAndItsConnectionIsDropped() throws Exception {
        try (FakeAsterisk asterisk = new FakeAsterisk(1, 200);   // a byte every 200 ms, for ever
             HttpRestTransport rest = transport(asterisk, Duration.ofMillis(500))) {
            assertThatThrownBy(() -> rest.call(RestRequest.get("channels")))
                    .isInstanceOf(AriConnectionException.class).hasMessageContaining("no answer from Asterisk");
            long sent = asterisk.written.get(30, TimeUnit.SECONDS);
            assertThat(sent).as("the peer stopped only because the connection was dropped").isLessThan(HUNDRED_MB);
        }
    }

    private static HttpRestTransport transport(FakeAsterisk asterisk, Duration timeout) {
        return new HttpRestTransport(HttpClient.newHttpClient(), "http://127.0.0.1:" + asterisk.server.getLocalPort() + "/ari/",
                null, null, 4, timeout);
    }

    /** Answers one request with 200 and a chunked JSON body: {@code chunk} bytes every {@code pauseMs}, up to 100 MB. */
    private static final class FakeAsterisk implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        /** How many body bytes it wrote before its writes failed (or it reached 100 MB). */
        final CompletableFuture<Long> written = new CompletableFuture<>();

        FakeAsterisk(int chunk, long pauseMs) throws IOException {
            Thread.ofVirtual().start(() -> {
                long n = 0;
                try (Socket s = server.accept()) {
                    readHeaders(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] data = new byte[chunk];
                    Arrays.fill(data, (byte) ' ');
                    data[0] = '[';
                    byte[] head = (Integer.toHexString(chunk) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    while (n < HUNDRED_MB) {
                        out.write(head);
                        out.write(data);
                        out.write('\r');
                        out.write('\n');
                        out.flush();
                        n += chunk;
                        data[0] = ' ';
                        if (pauseMs > 0) Thread.sleep(pauseMs);
                    }
                } catch (IOException | InterruptedException e) {
                    // the client dropped the connection: what we want to see
                } finally {
                    written.complete(n);
                }
            });
        }

        private static void readHeaders(InputStream in) throws IOException {
            int matched = 0;
            while (matched < 4) {
                int c = in.read();
                if (c < 0) throw new IOException("no request");
                matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
            }
        }

        @Override
        public void close() throws IOException { server.close(); }
    }
}
