package org.tinyphone.bench.agi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.HdrHistogram.Histogram;

/**
 * Experimental: the closed-loop FastAGI load generator on one thread and one selector (no thread per call), so
 * that it needs far less CPU per call than the servers it drives (measured: 28-42 % of a core where AgiLoadGen
 * saturates its core). Not yet trusted for calls/s: its first runs gave lower calls/s than AgiLoadGen with
 * neither process saturated, which is not explained yet. Select it with {@code -Dbench.loadgen=agi-loadgen-nio}. Same wire behaviour and the same stdin/stdout protocol as
 * {@link AgiLoadGen} for {@code run <concurrency> <warmupMs> <measureMs>} (the park mode stays in AgiLoadGen).
 */
public final class NioAgiLoadGen {
    private static final byte[] R_OK = "200 result=0\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_VAR = "200 result=1 (Carol)\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_STREAM = "200 result=0 endpos=6720\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_HANGUP = "200 result=1\nHANGUP\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_SET = "200 result=1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_DEAD = "511 Command Not Permitted on a dead channel or intercept routine\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_UNKNOWN = "510 Invalid or unknown command\n".getBytes(StandardCharsets.US_ASCII);

    private final InetSocketAddress server;
    private final String script;
    private final PrintStream out = System.out;
    private long ids;

    private boolean measuring;
    private long calls, refused, errors, commands;
    private final Histogram step = new Histogram(60_000_000L, 2), call = new Histogram(600_000_000L, 2);

    private NioAgiLoadGen(InetSocketAddress server, String script) {
        this.server = server;
        this.script = script;
    }

    public static void main(String[] args) throws Exception {
        NioAgiLoadGen gen = new NioAgiLoadGen(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), args[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        gen.out.println("READY");
        gen.out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            switch (w[0]) {
                case "run" -> gen.run(Integer.parseInt(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3]));
                case "exit" -> System.exit(0);
                default -> gen.out.println("ERROR unknown command " + line);
            }
            gen.out.flush();
        }
        System.exit(0);
    }

    /** One simulated call's connection state. */
    private final class Conn {
        final SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocate(2048);
        final long start = System.nanoTime();
        long sent;
        boolean gotCommand, hungUp;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    private void run(int concurrency, long warmupMs, long measureMs) throws IOException {
        Selector sel = Selector.open();
        ArrayDeque<long[]> restarts = new ArrayDeque<>(); // {due nanos}
        int live = 0;
        for (int i = 0; i < concurrency; i++) {
            open(sel);
            live++;
        }
        long t0 = System.nanoTime(), warmEnd = t0 + warmupMs * 1_000_000L, end = warmEnd + measureMs * 1_000_000L;
        boolean stopping = false;
        long measureStart = 0;
        while (live > 0 || !restarts.isEmpty()) {
            long now = System.nanoTime();
            if (!measuring && measureStart == 0 && now >= warmEnd) {
                calls = refused = errors = commands = 0;
                step.reset();
                call.reset();
                measuring = true;
                measureStart = now;
                out.println("MEASURE_START");
                out.flush();
            }
            if (measuring && now >= end) {
                measuring = false;
                long elapsed = now - measureStart;
                out.println("MEASURE_END");
                out.printf("RESULT conc=%d calls=%d refused=%d errors=%d commands=%d elapsedNs=%d stepP50us=%d stepP99us=%d"
                                + " stepP999us=%d callP50us=%d callP99us=%d stuck=0%n", concurrency, calls, refused, errors,
                        commands, elapsed, step.getValueAtPercentile(50), step.getValueAtPercentile(99),
                        step.getValueAtPercentile(99.9), call.getValueAtPercentile(50), call.getValueAtPercentile(99));
                out.flush();
                stopping = true;
                // close everything still open: the servers see a vanished caller
                for (SelectionKey k : sel.keys()) closeHard((Conn) k.attachment());
                sel.close();
                return;
            }
            while (!stopping && !restarts.isEmpty() && restarts.peekFirst()[0] <= now) {
                restarts.pollFirst();
                open(sel);
                live++;
            }
            sel.select(5);
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                int outcome = -1;
                try {
                    if (k.isConnectable()) {
                        c.ch.finishConnect();
                        writeAll(c.ch, environment(++ids));
                        c.sent = System.nanoTime();
                        k.interestOps(SelectionKey.OP_READ);
                    } else if (k.isReadable()) {
                        outcome = onReadable(c);
                    }
                } catch (IOException e) {
                    outcome = c.gotCommand ? 2 : 1;
                }
                if (outcome >= 0) {
                    k.cancel();
                    closeHard(c);
                    live--;
                    if (outcome == 0) {
                        if (measuring) {
                            calls++;
                            call.recordValue(Math.min((System.nanoTime() - c.start) / 1000, 600_000_000L));
                        }
                        open(sel);
                        live++;
                    } else {
                        if (measuring) {
                            if (outcome == 1) refused++;
                            else errors++;
                        }
                        restarts.add(new long[] {System.nanoTime() + 20_000_000L});
                    }
                }
            }
        }
    }

    /** -1 = call goes on; 0 = done; 1 = refused; 2 = error. */
    private int onReadable(Conn c) throws IOException {
        int n = c.ch.read(c.in);
        if (n < 0) return !c.gotCommand ? 1 : c.hungUp ? 0 : 2;
        ByteBuffer b = c.in;
        byte[] a = b.array();
        int startLine = 0;
        for (int i = 0; i < b.position(); i++) {
            if (a[i] != '\n') continue;
            int len = i - startLine;
            long now = System.nanoTime();
            if (!c.hungUp && measuring) {
                step.recordValue(Math.min((now - c.sent) / 1000, 60_000_000L));
                commands++;
            }
            c.gotCommand = true;
            byte[] reply = c.hungUp ? afterHangup(a, startLine, len) : reply(a, startLine, len);
            writeAll(c.ch, reply);
            c.sent = System.nanoTime();
            if (reply == R_HANGUP) c.hungUp = true;
            startLine = i + 1;
        }
        // keep an unfinished line
        int rest = b.position() - startLine;
        System.arraycopy(a, startLine, a, 0, rest);
        b.position(rest);
        if (!b.hasRemaining()) return 2; // a 2 KiB line: not a FastAGI server
        return -1;
    }

    private void open(Selector sel) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Conn c = new Conn(ch);
        try {
            if (ch.connect(server)) {
                writeAll(ch, environment(++ids));
                c.sent = System.nanoTime();
                ch.register(sel, SelectionKey.OP_READ, c);
            } else {
                ch.register(sel, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            ch.register(sel, SelectionKey.OP_CONNECT, c);
        }
    }

    private static void writeAll(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int spins = 0;
        while (b.hasRemaining()) {
            if (ch.write(b) == 0 && ++spins > 1_000_000) throw new IOException("peer does not read");
        }
    }

    private static void closeHard(Conn c) {
        try {
            if (c.ch.isConnected()) c.ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            c.ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static byte[] reply(byte[] b, int off, int n) {
        if (starts(b, off, n, "ANSWER")) return R_OK;
        if (starts(b, off, n, "GET VARIABLE")) return R_VAR;
        if (starts(b, off, n, "STREAM FILE")) return R_STREAM;
        if (starts(b, off, n, "SAY NUMBER")) return R_OK;
        if (starts(b, off, n, "HANGUP")) return R_HANGUP;
        if (starts(b, off, n, "NOOP") || starts(b, off, n, "VERBOSE")) return R_OK;
        if (starts(b, off, n, "SET VARIABLE")) return R_SET;
        return R_UNKNOWN;
    }

    private static byte[] afterHangup(byte[] b, int off, int n) {
        if (starts(b, off, n, "SET VARIABLE") || starts(b, off, n, "GET VARIABLE")) return R_SET;
        if (starts(b, off, n, "NOOP") || starts(b, off, n, "VERBOSE")) return R_OK;
        return R_DEAD;
    }

    private static boolean starts(byte[] b, int off, int n, String p) {
        if (n < p.length()) return false;
        for (int i = 0; i < p.length(); i++) if ((b[off + i] & 0xff) != p.charAt(i)) return false;
        return true;
    }

    private byte[] environment(long id) {
        return ("agi_network: yes\nagi_network_script: " + script + "\nagi_request: agi://127.0.0.1:4573/" + script + "\n"
                + "agi_channel: PJSIP/trunk-" + Long.toHexString(id) + "\nagi_language: en\nagi_type: PJSIP\n"
                + "agi_uniqueid: 1795446921." + id + "\nagi_version: 22.10.1\nagi_callerid: 15550001111\n"
                + "agi_calleridname: Carol\nagi_callingpres: 0\nagi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\n"
                + "agi_dnid: 13605162099\nagi_rdnis: unknown\nagi_context: from-trunk\nagi_extension: 13605162099\n"
                + "agi_priority: 2\nagi_enhanced: 0.0\nagi_accountcode: \nagi_threadid: 139868254078656\n\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
