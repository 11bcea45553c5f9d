package org.tinyphone.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link MaliciousClient}'s talk-back attacks on the live calls: an attacker watching every soak number sends
 * commands that must be refused before anything reaches Asterisk, and an outsider watching another number tries to
 * hang up calls it does not watch. Each answer is tallied by kind.
 */
final class TalkBack {
    /** The talk-back attacks: the command and its fields; each must be refused before anything reaches Asterisk. */
    static final List<Object[]> TALKBACK = List.of(
            new Object[] {"set_variable FILE()", "set_variable", Map.of("name", "FILE(/tmp/tinyphone-soak-pwned)", "value", "x")},
            new Object[] {"set_variable DB()", "set_variable", Map.of("name", "DB(soak/pwned)", "value", "1")},
            new Object[] {"set_variable SHELL()", "set_variable", Map.of("name", "SHELL(touch /tmp/tinyphone-soak-pwned)", "value", "1")},
            new Object[] {"set_variable AGISIGHUP", "set_variable", Map.of("name", "AGISIGHUP", "value", "no")},
            new Object[] {"set_variable DYNAMIC_FEATURES", "set_variable", Map.of("name", "DYNAMIC_FEATURES", "value", "automon")},
            new Object[] {"set_variable value with CR LF", "set_variable", Map.of("name", "SOAK", "value", "a\r\nEXEC System id")},
            new Object[] {"set_variable value too long", "set_variable", Map.of("name", "SOAK", "value", "x".repeat(2000))},
            new Object[] {"play /etc/passwd", "play", Map.of("file", "/etc/passwd")},
            new Object[] {"play ../ path", "play", Map.of("file", "../../../../etc/passwd")},
            new Object[] {"play digits/../..", "play", Map.of("file", "digits/../../../../var/spool/asterisk/voicemail/default/1234/INBOX/msg0000")},
            new Object[] {"play URL", "play", Map.of("file", "http://evil.example/x")},
            new Object[] {"play escape digits injection", "play", Map.of("file", "hello-world", "escape_digits", "1\" EXEC System id")},
            new Object[] {"collect_digits prompt path", "collect_digits", Map.of("prompt", "/var/spool/asterisk/voicemail/default/1234/INBOX/msg0000")},
            new Object[] {"say_number not a number", "say_number", Map.of("number", "1 EXEC System id")},
            new Object[] {"say_number over 32 bits", "say_number", Map.of("number", 99_999_999_999L)},
            new Object[] {"say_digits letters", "say_digits", Map.of("digits", "12a")},
            new Object[] {"say_digits quote injection", "say_digits", Map.of("digits", "1\" EXEC System \"id")},
            new Object[] {"exec command", "exec", Map.of("app", "System", "data", "id")});
    /** The kind of the outsider's attack. */
    static final String HANGUP_NOT_WATCHED = "talk-back: hangup a call not watched";

    private final int clientsPort;
    private final Random random;
    private final Map<String, MaliciousClient.Tally> tallies;
    private final Problems unexpected;
    private final Map<String, String> pending = new ConcurrentHashMap<>(); // request id -> attack kind
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean stopped;
    private JsonLines attacker;
    private JsonLines outsider;

    /** Tallies go into {@code tallies} (which must hold every talk-back kind) and {@code unexpected}. */
    TalkBack(int clientsPort, Random random, Map<String, MaliciousClient.Tally> tallies, Problems unexpected) {
        this.clientsPort = clientsPort;
        this.random = random;
        this.tallies = tallies;
        this.unexpected = unexpected;
    }

    /** Connects the attacker (it watches {@code numbers}) and the outsider (it watches another). */
    void start(List<String> numbers) throws IOException, InterruptedException {
        attacker = new JsonLines("malicious-talkback", clientsPort, l -> onAttackerMessage(parse(l)), this::lost);
        attacker.open();
        for (String n : numbers) attacker.send("{\"type\":\"subscribe\",\"number\":\"" + n + "\"}");
        outsider = new JsonLines("malicious-outsider", clientsPort, l -> onOutsiderMessage(parse(l)), this::lost);
        outsider.open();
        outsider.send("{\"type\":\"subscribe\",\"number\":\"15559990000\"}");
    }

    /** Closes both connections (their end is then no news). */
    void stop() {
        stopped = true;
        if (attacker != null) attacker.close();
        if (outsider != null) outsider.close();
    }

    /** Attacks sent and not yet answered (at the end: never answered). */
    int unanswered() {
        return pending.size();
    }

    private void onAttackerMessage(JsonNode m) {
        switch (m.path("type").asText()) {
            case "new_caller" -> {
                String call = m.path("call").asText();
                for (int i = 0; i < 3; i++) {
                    Object[] t;
                    synchronized (random) {
                        t = TALKBACK.get(random.nextInt(TALKBACK.size()));
                    }
                    sendAttack(attacker, "talk-back: " + t[0], call, (String) t[1], cast(t[2]));
                }
                if (ids.get() % 5 == 0) sendAttack(outsider, HANGUP_NOT_WATCHED, call, "hangup", Map.of());
            }
            case "error", "result" -> settle(m);
            default -> { }
        }
    }

    private void onOutsiderMessage(JsonNode m) {
        String type = m.path("type").asText();
        if (type.equals("error") || type.equals("result")) settle(m);
    }

    private static JsonNode parse(String line) {
        try {
            return NativeApp.JSON.readTree(line);
        } catch (IOException e) {
            return NativeApp.JSON.createObjectNode();
        }
    }

    private void lost(String why) {
        if (!stopped) unexpected.add("the talk-back attacker's connection ended: " + why);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private void sendAttack(JsonLines via, String kind, String call, String command, Map<String, Object> fields) {
        if (stopped) return; // a new_caller read as the soak stopped us: no attack, so nothing to count
        String id = "a" + ids.incrementAndGet();
        ObjectNode m = NativeApp.JSON.createObjectNode().put("type", "command").put("id", id).put("call", call)
                .put("command", command);
        fields.forEach((k, v) -> m.set(k, NativeApp.JSON.valueToTree(v)));
        pending.put(id, kind);
        tallies.get(kind).tried.incrementAndGet();
        try {
            via.send(m.toString());
        } catch (IOException e) {
            pending.remove(id);
            if (stopped) { // stop() closed the connection meanwhile: not sent, and not the server's doing
                tallies.get(kind).tried.decrementAndGet();
                return;
            }
            tallies.get(kind).unexpected.incrementAndGet();
            unexpected.add(kind + ": could not send: " + e);
        }
    }

    private void settle(JsonNode m) {
        String kind = pending.remove(m.path("id").asText());
        if (kind == null) return;
        MaliciousClient.Tally t = tallies.get(kind);
        String code = m.path("code").asText();
        boolean outsiderAttack = kind.endsWith("not watched");
        if (m.path("type").asText().equals("result")) {
            t.unexpected.incrementAndGet();
            unexpected.add(kind + ": carried out! " + Problems.printable(m.toString()));
        } else if (code.equals("no_such_call")) {
            t.neutral.incrementAndGet(); // the call had ended before the attack reached it
        } else if (outsiderAttack ? code.equals("not_subscribed") : code.equals("bad_command") || code.equals("bad_message")) {
            t.refused.incrementAndGet();
        } else {
            t.unexpected.incrementAndGet();
            unexpected.add(kind + ": answered " + Problems.printable(m.toString()));
        }
    }
}
