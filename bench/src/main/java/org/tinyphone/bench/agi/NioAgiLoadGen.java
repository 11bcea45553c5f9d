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
 * The default closed-loop FastAGI load generator of the fastagi case: every simulated call on one thread and one
 * selector (no thread per call), so it needs about half the CPU per call of {@link AgiLoadGen} (most of what is
 * left is the kernel's loopback TCP work, charged to the writer) and both servers, not the generator, saturate
 * first. Same wire behaviour as {@link AgiLoadGen}: the environment of capture 01 in one write after connect,
 * the same replies (the {@code HANGUP} notice in the same write as the reply to {@code HANGUP}), dead-channel
 * answers after it, close with RST when the server closes; refused = the server closed (or the connect failed)
 * before any command, and such a caller's next call comes 20 ms later; a call silent for 60 s is an error; at
 * the end of the window no caller starts another call and calls in progress finish. Step = from our write to
 * the server's next command line. Same stdin/stdout protocol for {@code run <concurrency> <warmupMs> <measureMs>}
 * (plus an optional {@code <drainMs>}, default 60,000: how long calls in progress may take to finish after the window)
 * (the park mode of the memory case stays in AgiLoadGen). {@code -Dbench.loadgen=agi-loadgen} selects AgiLoadGen.
 */
public final class NioAgiLoadGen {
    private static final byte[] R_OK = "200 result=0\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_VAR = "200 result=1 (Carol)\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_STREAM = "200 result=0 endpos=6720\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_HANGUP = "200 result=1\nHANGUP\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_DIGIT = "200 result=49\n".getBytes(StandardCharsets.US_ASCII);
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
    /** The first step of each call alone (environment → first command: includes the wait to be accepted). */
    private final Histogram firstStep = new Histogram(60_000_000L, 2);

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
                case "run" -> gen.run(Integer.parseInt(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3]),
                        w.length > 4 ? Long.parseLong(w[4]) : 60_000);
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
        long sent, lastActivity = start;
        boolean gotCommand, hungUp;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    /**
     * One closed-loop run; after the window, calls in progress get up to {@code drainMs} to finish (they no longer
     * count: the figures are taken at the window's end), then the rest are reset and counted as stuck.
     */
    private void run(int concurrency, long warmupMs, long measureMs, long drainMs) throws IOException {
        Selector sel = Selector.open();
        ArrayDeque<Long> restarts = new ArrayDeque<>(); // due times (nanos) of refused callers' next calls, in order
        int live = 0;
        for (int i = 0; i < concurrency; i++) {
            open(sel);
            live++;
        }
        long t0 = System.nanoTime(), warmEnd = t0 + warmupMs * 1_000_000L, end = warmEnd + measureMs * 1_000_000L;
        long measureStart = 0, elapsed = 0, stopDeadline = Long.MAX_VALUE, nextSweep = t0 + 1_000_000_000L;
        boolean stopping = false;
        long c = 0, r = 0, e = 0, k = 0;
        Histogram s = null, cl = null, fs = null;
        while (live > 0) {
            long now = System.nanoTime();
            if (!stopping && !measuring && measureStart == 0 && now >= warmEnd) {
                calls = refused = errors = commands = 0;
                step.reset();
                call.reset();
                firstStep.reset();
                measuring = true;
                measureStart = now;
                out.println("MEASURE_START");
                out.flush();
            }
            if (measuring && now >= end) {
                // as AgiLoadGen: the window closes, no caller starts another call, calls in progress finish
                measuring = false;
                elapsed = now - measureStart;
                out.println("MEASURE_END");
                out.flush();
                c = calls; r = refused; e = errors; k = commands;
                s = step.copy();
                cl = call.copy();
                fs = firstStep.copy();
                stopping = true;
                live -= restarts.size();
                restarts.clear();
                stopDeadline = now + drainMs * 1_000_000L;
                if (live == 0) break;
            }
            if (now >= stopDeadline) break;
            while (!restarts.isEmpty() && restarts.peekFirst() <= now) {
                restarts.pollFirst();
                open(sel);
            }
            if (now >= nextSweep) {
                nextSweep = now + 1_000_000_000L;
                // as AgiLoadGen's 30 s connect timeout and 60 s read timeout: a call waiting that long is an error
                java.util.List<SelectionKey> expired = new java.util.ArrayList<>();
                for (SelectionKey key : sel.keys()) {
                    if (key.isValid() && now - ((Conn) key.attachment()).lastActivity > 60_000_000_000L) expired.add(key);
                }
                for (SelectionKey key : expired) {
                    key.cancel();
                    closeHard((Conn) key.attachment());
                    if (measuring) errors++;
                    if (stopping) live--;
                    else open(sel);
                }
                if (live == 0) break;
            }
            long wait = Math.min(nextSweep, measuring ? end : stopping ? stopDeadline : warmEnd) - now;
            if (!restarts.isEmpty()) wait = Math.min(wait, restarts.peekFirst() - now);
            sel.select(Math.max(1, wait / 1_000_000L + 1));
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                Conn cn = (Conn) key.attachment();
                int outcome = -1;
                try {
                    if (key.isConnectable()) {
                        cn.ch.finishConnect();
                        writeAll(cn.ch, environment(++ids));
                        cn.sent = cn.lastActivity = System.nanoTime();
                        key.interestOps(SelectionKey.OP_READ);
                    } else if (key.isReadable()) {
                        outcome = onReadable(cn);
                    }
                } catch (IOException ex) {
                    outcome = cn.gotCommand ? ERROR : REFUSED;
                }
                if (outcome < 0) continue;
                key.cancel();
                closeHard(cn);
                if (outcome == DONE) {
                    if (measuring) {
                        calls++;
                        call.recordValue(Math.min((System.nanoTime() - cn.start) / 1000, 600_000_000L));
                    }
                    if (stopping) live--;
                    else open(sel);
                } else {
                    if (measuring) {
                        if (outcome == REFUSED) refused++;
                        else errors++;
                    }
                    // as AgiLoadGen: a refused caller's next call comes 20 ms later (Asterisk would fail this
                    // call; don't spin), after an error at once
                    if (stopping) live--;
                    else if (outcome == REFUSED) restarts.add(System.nanoTime() + 20_000_000L);
                    else open(sel);
                }
            }
        }
        int stuck = live;
        for (SelectionKey key : sel.keys()) closeHard((Conn) key.attachment());
        sel.close();
        if (s == null) { // the loop ended before the window (cannot happen with live > 0 callers)
            s = step.copy();
            cl = call.copy();
            fs = firstStep.copy();
        }
        out.printf("RESULT conc=%d calls=%d refused=%d errors=%d commands=%d elapsedNs=%d stepP50us=%d stepP99us=%d"
                        + " stepP999us=%d callP50us=%d callP99us=%d stuck=%d firstStepP50us=%d firstStepP99us=%d%n",
                concurrency, c, r, e, k, elapsed,
                s.getValueAtPercentile(50), s.getValueAtPercentile(99), s.getValueAtPercentile(99.9),
                cl.getValueAtPercentile(50), cl.getValueAtPercentile(99), stuck,
                fs.getValueAtPercentile(50), fs.getValueAtPercentile(99));
    }

    private static final int DONE = 0, REFUSED = 1, ERROR = 2;

    /** -1 = call goes on; 0 = done; 1 = refused; 2 = error. */
    private int onReadable(Conn c) throws IOException {
        int n = c.ch.read(c.in);
        if (n < 0) return !c.gotCommand ? REFUSED : c.hungUp ? DONE : ERROR; // server closed: before any command = refused
        c.lastActivity = System.nanoTime();
        ByteBuffer b = c.in;
        byte[] a = b.array();
        int startLine = 0;
        for (int i = 0; i < b.position(); i++) {
            if (a[i] != '\n') continue;
            int len = i - startLine;
            long now = System.nanoTime();
            if (!c.hungUp && measuring) {
                long us = Math.min((now - c.sent) / 1000, 60_000_000L);
                step.recordValue(us);
                if (!c.gotCommand) firstStep.recordValue(us);
                commands++;
            }
            c.gotCommand = true;
            byte[] reply = c.hungUp ? afterHangup(a, startLine, len) : reply(a, startLine, len);
            writeAll(c.ch, reply);
            c.sent = c.lastActivity = System.nanoTime();
            if (reply == R_HANGUP) c.hungUp = true;
            startLine = i + 1;
        }
        // keep an unfinished line
        int rest = b.position() - startLine;
        System.arraycopy(a, startLine, a, 0, rest);
        b.position(rest);
        if (!b.hasRemaining()) return ERROR; // a 2 KiB line: not a FastAGI server
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
                c.sent = c.lastActivity = System.nanoTime();
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
        if (starts(b, off, n, "WAIT FOR DIGIT")) return R_DIGIT;
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

    /** {@code String.format("%08x", id)}, as AgiLoadGen writes it, without the formatter. */
    private static String hex8(long id) {
        String h = Long.toHexString(id);
        return h.length() >= 8 ? h : "00000000".substring(h.length()) + h;
    }

    private byte[] environment(long id) {
        return ("agi_network: yes\nagi_network_script: " + script + "\nagi_request: agi://127.0.0.1:4573/" + script + "\n"
                + "agi_channel: PJSIP/trunk-" + hex8(id) + "\nagi_language: en\nagi_type: PJSIP\n"
                + "agi_uniqueid: 1795446921." + id + "\nagi_version: 22.10.1\nagi_callerid: 15550001111\n"
                + "agi_calleridname: Carol\nagi_callingpres: 0\nagi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\n"
                + "agi_dnid: 13605162099\nagi_rdnis: unknown\nagi_context: from-trunk\nagi_extension: 13605162099\n"
                + "agi_priority: 2\nagi_enhanced: 0.0\nagi_accountcode: \nagi_threadid: 139868254078656\n\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
