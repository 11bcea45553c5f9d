package org.tinyphone.sim.ami;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.tinyphone.sim.Transcript;
import org.tinyphone.sim.Transcript.Dir;
import org.tinyphone.sim.Transcript.Entry;

/**
 * Serves the Asterisk side of an AMI/AsyncAGI capture to one client and checks what the client sends against
 * the recorded {@code >>} messages, structurally: same keys in the same order with the same values, except
 * that ActionIDs and CommandIDs are the client's own (they are mapped, and substituted into everything Asterisk
 * sends back). A client ActionID where the capture had none is accepted, and Asterisk's reply then carries it,
 * as a real Asterisk would. Mismatches are collected in {@link #failures()}; the replay stops at the first.
 */
public final class TranscriptReplay implements FakeAmiServer.Handler {
    private final Transcript transcript;
    private final Duration readTimeout;
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Map<String, String> actionIds = new ConcurrentHashMap<>();
    private final Map<String, String> commandIds = new ConcurrentHashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int matchedActions;

    public TranscriptReplay(Transcript transcript) { this(transcript, Duration.ofSeconds(20)); }

    public TranscriptReplay(Transcript transcript, Duration readTimeout) {
        this.transcript = transcript;
        this.readTimeout = readTimeout;
    }

    public List<String> failures() { return List.copyOf(failures); }

    /** How many client messages matched the capture. */
    public int matchedActions() { return matchedActions; }

    /** Waits until the replay reached the end of the capture (or failed). */
    public boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void serve(FakeAmiSession s) throws IOException {
        try {
            run(s);
        } catch (IOException e) {
            failures.add("the connection failed during the replay: " + e);
            throw e;
        } finally {
            done.countDown();
        }
    }

    private void run(FakeAmiSession s) throws IOException {
        List<Entry> es = transcript.entries();
        Deque<String> idsToInsert = new ArrayDeque<>();
        int i = 0;
        while (i < es.size()) {
            Entry e = es.get(i);
            if (e.dir() == Dir.ASTERISK) {
                List<String> out = new ArrayList<>();
                boolean startOfMessage = true;
                boolean needsId = false;
                while (i < es.size() && es.get(i).dir() == Dir.ASTERISK) {
                    String line = es.get(i).text();
                    if (startOfMessage && line.startsWith("Response:")) {
                        needsId = !messageHasActionId(es, i) && !idsToInsert.isEmpty();
                    }
                    out.add(substitute(line));
                    if (needsId && line.startsWith("Response:")) {
                        out.add("ActionID: " + idsToInsert.poll());
                        needsId = false;
                    }
                    startOfMessage = line.isEmpty() || line.startsWith("Asterisk Call Manager/");
                    i++;
                }
                s.writeLines(out, false);
                continue;
            }
            if (e.dir() == Dir.CLIENT) {
                List<String> expected = new ArrayList<>();
                while (i < es.size() && es.get(i).dir() == Dir.CLIENT && !es.get(i).text().isEmpty()) {
                    expected.add(es.get(i).text());
                    i++;
                }
                if (i < es.size() && es.get(i).dir() == Dir.CLIENT) i++;   // the blank line
                AmiFrame want = AmiFrame.parse(expected);
                AmiFrame got;
                String gone = "EOF or " + readTimeout;
                try {
                    got = s.read(readTimeout);
                } catch (IOException ex) {
                    got = null; // a client that closed with data unread shows as a reset, not an EOF
                    gone = ex.toString();
                }
                if (got == null) {
                    failures.add("expected the client to send [" + want + "] but got nothing (" + gone + ")");
                    return;
                }
                String problem = compare(want, got);
                if (problem != null) {
                    failures.add(problem);
                    return;
                }
                String tid = want.actionId(), oid = got.actionId();
                if (tid != null && oid != null) actionIds.put(tid, oid);
                if (tid == null && oid != null) idsToInsert.add(oid);
                String tc = want.get("CommandID"), oc = got.get("CommandID");
                if (tc != null && oc != null) commandIds.put(tc, oc);
                matchedActions++;
                continue;
            }
            if (e.dir() == Dir.SOCKET && e.text().contains("closed by Asterisk")) {
                s.close();
                return;
            }
            i++;
        }
    }

    private static boolean messageHasActionId(List<Entry> es, int from) {
        for (int j = from; j < es.size() && es.get(j).dir() == Dir.ASTERISK && !es.get(j).text().isEmpty(); j++) {
            if (es.get(j).text().startsWith("ActionID:")) return true;
        }
        return false;
    }

    private String substitute(String line) {
        if (line.startsWith("ActionID: ")) {
            String v = line.substring(10);
            return "ActionID: " + actionIds.getOrDefault(v, v);
        }
        if (line.startsWith("CommandId: ")) {
            String v = line.substring(11);
            return "CommandId: " + commandIds.getOrDefault(v, v);
        }
        return line;
    }

    private static String compare(AmiFrame want, AmiFrame got) {
        List<String[]> w = want.fields().stream().filter(kv -> !isId(kv[0])).toList();
        List<String[]> g = got.fields().stream().filter(kv -> !isId(kv[0])).toList();
        boolean same = w.size() == g.size();
        for (int k = 0; same && k < w.size(); k++) {
            same = w.get(k)[0].equalsIgnoreCase(g.get(k)[0]) && w.get(k)[1].equals(g.get(k)[1]);
        }
        if (!same) return "client sent [" + got + "] where the capture has [" + want + "]";
        if ((want.actionId() != null) && got.actionId() == null) return "client sent no ActionID in [" + got + "]";
        if ((want.get("CommandID") != null) && got.get("CommandID") == null) return "client sent no CommandID in [" + got + "]";
        return null;
    }

    private static boolean isId(String key) {
        return key.equalsIgnoreCase("ActionID") || key.equalsIgnoreCase("CommandID");
    }
}
