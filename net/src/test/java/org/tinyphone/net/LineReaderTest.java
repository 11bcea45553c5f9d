package org.tinyphone.net;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinyphone.net.LineReader.End;
import org.tinyphone.net.LineReader.Line;
import org.tinyphone.net.LineReader.Overflow;
import org.tinyphone.net.LineReader.Policy;
import org.tinyphone.net.LineReader.Text;
import org.tinyphone.net.LineReader.TooLong;

/** Lines in, lines out, for every policy; each wire is also fed one byte per read and in 3-byte pieces. */
class LineReaderTest {
    private static final Policy LF = Policy.lf(10);
    private static final Policy LF_OR_NUL_SKIP = new Policy(true, false, 10, Overflow.SKIP_LINE);

    @Test
    void lfEndsALineAndACrBeforeItIsDropped() throws IOException {
        assertLines("agi_arg: 1\n200 result=1\r\n\n", Policy.lf(100), text("agi_arg: 1"), text("200 result=1"), text(""), END);
        assertLines("one\ntwo\r\n\nthree\r\n", Policy.lf(100), text("one"), text("two"), text(""), text("three"), END);
    }

    @Test
    void aCrAloneOrInsideALineIsKept() throws IOException {
        assertLines("a\rb\n\r\r\n", Policy.lf(100), text("a\rb"), text("\r"), END);
    }

    @Test
    void withCrsKeptACrlfLineEndsInCr() throws IOException {
        assertLines("hi\r\n", new Policy(false, false, 100, Overflow.STOP), text("hi\r"), END);
    }

    @Test
    void nulEndsALineAsLfDoesWhenThePolicySaysSo() throws IOException {
        assertLines("CONNECT 1\0{\"a\":1}\n\0x", LF_OR_NUL_SKIP, text("CONNECT 1"), text("{\"a\":1}"), text(""), text("x"), END);
        // and is an ordinary byte when it does not
        assertLines("a\0b\n", Policy.lf(100), text("a\0b"), END);
    }

    @Test
    void aLineOfExactlyTheLimitIsAcceptedOneByteMoreIsTooLong() throws IOException {
        assertLines("0123456789\nnext\n", LF, text("0123456789"), text("next"), END);
        // STOP: too long at once, and nothing after it is read as a line
        assertLines("0123456789A\nnext\n", LF, TOO_LONG);
        // SKIP_LINE: the long line is skipped through its end, and reading goes on
        assertLines("0123456789A\nnext\0", LF_OR_NUL_SKIP, TOO_LONG, text("next"), END);
        assertLines("0123456789A" + "x".repeat(5000) + "\0ok\n", LF_OR_NUL_SKIP, TOO_LONG, text("ok"), END);
    }

    @Test
    void theCrCountsTowardTheLimit() throws IOException {
        assertLines("0123456789\r\n", LF, TOO_LONG);
        assertLines("012345678\r\n", LF, text("012345678"), END);
    }

    @Test
    void aLastLineWithoutItsEndIsStillALine() throws IOException {
        assertLines("one\ntw", LF, text("one"), text("tw"), END);
        assertLines("one\ntwo\r", LF, text("one"), text("two"), END);
        assertLines("", LF, END);
        assertLines("0123456789AB", LF_OR_NUL_SKIP, TOO_LONG, END);
    }

    @Test
    void utf8SplitAcrossReadsComesOutWhole() throws IOException {
        assertLines("Zoë 🙂\n", Policy.lf(100), text("Zoë 🙂"), END);
    }

    @Test
    void readLine_gives_text_null_at_the_end_and_an_exception_for_a_line_too_long() throws IOException {
        LineReader r = new LineReader(new ByteArrayInputStream("ok\n0123456789A\n".getBytes(UTF_8)), LF);
        assertThat(r.readLine()).isEqualTo("ok");
        assertThatThrownBy(r::readLine).isInstanceOf(LineReader.LineTooLongException.class)
                .hasMessage("line longer than 10 bytes");
        LineReader empty = new LineReader(new ByteArrayInputStream(new byte[0]), LF);
        assertThat(empty.readLine()).isNull();
    }

    @Test
    void pollLine_returns_only_lines_already_buffered() throws IOException {
        LineReader r = new LineReader(new ByteArrayInputStream("first\nHANGUP\r\npart".getBytes(UTF_8)), LF);
        assertThat(r.pollLine()).as("nothing read yet").isNull();
        assertThat(r.readLine()).isEqualTo("first");
        assertThat(r.pollLine()).isEqualTo("HANGUP");
        assertThat(r.pollLine()).as("a partial line is not a line").isNull();
        assertThat(r.hasBuffered()).isTrue();
        assertThat(r.readLine()).isEqualTo("part");
        assertThat(r.hasBuffered()).isFalse();
    }

    @Test
    void shrinkKeepsWhatIsBuffered() throws IOException {
        String env = "agi_request: x\n".repeat(40) + "\n200 result=1\n";
        LineReader r = new LineReader(new ByteArrayInputStream(env.getBytes(UTF_8)), Policy.lf(100), 2048);
        for (int i = 0; i < 40; i++) assertThat(r.readLine()).isEqualTo("agi_request: x");
        assertThat(r.readLine()).isEmpty();
        r.shrink();
        assertThat(r.readLine()).isEqualTo("200 result=1");
        assertThat(r.readLine()).isNull();
    }

    @Test
    void restHandsOnEveryByteReadPastTheFirstLineThroughARealSocket() throws Exception {
        byte[] binary = new byte[3000];
        for (int i = 0; i < binary.length; i++) binary[i] = (byte) i;
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            OutputStream out = client.getOutputStream();
            // the greeting and what follows it in one write: the reader's first read takes both
            byte[] greeting = "TINYPHONE-RELAY/1\n".getBytes(UTF_8);
            byte[] both = new byte[greeting.length + binary.length];
            System.arraycopy(greeting, 0, both, 0, greeting.length);
            System.arraycopy(binary, 0, both, greeting.length, binary.length);
            out.write(both);
            out.flush();
            client.shutdownOutput();

            LineReader r = new LineReader(accepted.getInputStream(), Policy.lf(100), 8192);
            assertThat(r.readLine()).isEqualTo("TINYPHONE-RELAY/1");
            assertThat(r.hasBuffered()).isTrue();
            assertThat(r.rest().readAllBytes()).isEqualTo(binary);
        }
    }

    @Test
    void aPolicyNeedsALimit() {
        assertThatThrownBy(() -> Policy.lf(0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers

    private static final End END = new End();
    private static final TooLong TOO_LONG = new TooLong(10);

    private static Text text(String s) { return new Text(s); }

    /** The wire gives exactly these results, read whole, one byte per read, and 3 bytes per read (a STOP policy's stream ends at its TooLong). */
    private static void assertLines(String wire, Policy policy, Line... want) throws IOException {
        byte[] bytes = wire.getBytes(UTF_8);
        for (int piece : new int[] {Integer.MAX_VALUE, 1, 3}) {
            LineReader r = new LineReader(new Pieces(bytes, piece), policy);
            List<Line> got = new ArrayList<>();
            for (int i = 0; i < want.length; i++) got.add(r.next());
            assertThat(got).as("'%s' read %s bytes at a time", wire, piece).containsExactly(want);
        }
    }

    /** A stream that returns at most {@code piece} bytes per read, as a socket may. */
    private static final class Pieces extends InputStream {
        private final byte[] bytes;
        private final int piece;
        private int pos;

        Pieces(byte[] bytes, int piece) {
            this.bytes = bytes;
            this.piece = piece;
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= bytes.length) return -1;
            int n = Math.min(Math.min(len, piece), bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
